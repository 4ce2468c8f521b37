// Positioned reads into a caller's buffer, the way upstream's map_ptr reads
// a file: through the kernel's copy into memory the process reuses, instead
// of a mapping whose every page must be entered in the page tables on first
// touch (which costs more than the copy where page-table updates are slow,
// as under nested virtualisation; bench/results/profile-notes.md, session 8).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace crsync::fs {

// Reads `len` bytes at `off` into `out`, retrying short reads. Bytes past
// the file's end (it shrank) read as zeros, as upstream's map_ptr fills
// them. Returns 0, ENODATA when the file ended early, or the read's errno.
inline int read_at(int fd, uint64_t off, uint8_t* out, size_t len) {
  size_t got = 0;
  int err = 0;
  while (got < len) {
    const ssize_t n = ::pread(fd, out + got, len - got, static_cast<off_t>(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : ENODATA;
      break;
    }
    got += static_cast<size_t>(n);
  }
  std::fill(out + got, out + len, uint8_t{0});
  return err;
}

// read_at into `scratch` (grown as needed, its memory reused from one call
// to the next); the span covers the `len` bytes read.
inline ByteSpan read_at(int fd, uint64_t off, size_t len, Bytes& scratch, int* err = nullptr) {
  if (scratch.size() < len) scratch.resize(len);
  const int e = read_at(fd, off, scratch.data(), len);
  if (err) *err = e;
  return ByteSpan(scratch.data(), len);
}

}  // namespace crsync::fs
