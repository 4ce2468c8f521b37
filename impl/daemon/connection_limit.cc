#include "daemon/connection_limit.h"

#include <fcntl.h>
#include <unistd.h>

namespace crsync::daemon {

ClaimResult claim_connection(const std::string& lock_file, int max) {
  if (max <= 0) return ClaimResult::kClaimed;
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ClaimResult::kLockFileError;
  for (int i = 0; i < max; ++i) {
    struct flock l {};
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    l.l_start = static_cast<off_t>(i) * 4;
    l.l_len = 4;
    if (::fcntl(fd, F_SETLK, &l) == 0) return ClaimResult::kClaimed;  // fd kept open
  }
  ::close(fd);
  return ClaimResult::kFull;
}

}  // namespace crsync::daemon
