#include "fs/write_behind.h"

#include <fcntl.h>

namespace crsync::fs {

WriteBehind::Range WriteBehind::advance(uint64_t end) {
  if (end < started_ || end - started_ < kStep) return {};
  if (on_ < 0) on_ = replaces_() ? 1 : 0;
  if (!on_) return {};
  const Range r{started_, end - started_};
  started_ = end;
  return r;
}

void WriteBehind::wrote(int fd, uint64_t end) {
  if (fd < 0) return;
  const Range r = advance(end);
  if (r.len == 0) return;
  (void)::sync_file_range(fd, static_cast<off64_t>(r.off), static_cast<off64_t>(r.len),
                          SYNC_FILE_RANGE_WRITE);
}

}  // namespace crsync::fs
