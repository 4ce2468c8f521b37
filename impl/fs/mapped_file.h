// A read-only mapping of a whole file whose resident pages follow its
// reader, so that reading a file of any size keeps only a few MiB mapped in
// (upstream's map_ptr reads through a 256 KiB window for the same reason).
// Pages are made resident ahead of the reader in one call per window
// (MADV_POPULATE_READ) instead of one fault per page, and dropped behind it
// (MADV_DONTNEED: the page cache keeps them; only this mapping forgets).
// Touching a page outside the windows is always correct: it faults in. A
// file that shrinks while mapped reads as zeros past its new end (upstream
// zero-fills a short read the same way) instead of ending the process with
// SIGBUS.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::fs {

class MappedFile {
 public:
  // Resident window ahead of a sequential reader.
  static constexpr size_t kAhead = size_t{8} << 20;
  // A random reader's resident pages are all dropped past this much.
  static constexpr size_t kMaxResident = size_t{32} << 20;
  // What one scattered read is counted as bringing in (see will_read).
  static constexpr size_t kFaultAround = size_t{2} << 20;

  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // Maps `len` bytes of `fd` (nothing for 0). Nothing is resident yet.
  Status map(int fd, size_t len);
  ByteSpan span() const { return ByteSpan(data_, len_); }
  size_t size() const { return len_; }
  // ENODATA once a read went past the file's end (it shrank), else 0: the
  // status upstream's map_ptr keeps for a short read.
  int status() const;

  // A sequential reader will not read below `keep_from` again and reads on
  // from there: the next window is made resident when the reader nears the
  // end of the current one, and what lies behind is dropped.
  void advance(size_t keep_from);
  // A random reader is about to read [off, off + len): a read continuing
  // the previous one populates a window ahead; past kMaxResident bytes
  // brought in, the whole mapping is dropped first.
  void will_read(size_t off, size_t len);

 private:
  void populate(size_t from, size_t to);
  void drop(size_t from, size_t to);

  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
  int slot_ = -1;              // in the SIGBUS guard's table
  size_t populated_from_ = 0;  // [populated_from_, populated_to_) is resident
  size_t populated_to_ = 0;
  size_t dropped_to_ = 0;  // sequential: everything below was dropped
  size_t next_read_ = 0;   // random: where a sequential continuation starts
  size_t resident_ = 0;    // random: bytes brought in since the last drop
};

// Feeds the whole mapping to `fn` in window-sized pieces, in order, keeping
// the resident pages to the window (a -c checksum, an --append prefix).
template <typename Fn>
void for_each_window(MappedFile& f, size_t from, size_t to, Fn&& fn) {
  for (size_t off = from; off < to;) {
    const size_t n = to - off < MappedFile::kAhead ? to - off : MappedFile::kAhead;
    f.advance(off);
    fn(f.span().subspan(off, n));
    off += n;
  }
}

}  // namespace crsync::fs
