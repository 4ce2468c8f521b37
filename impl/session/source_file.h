// A read-only view of a whole source file, as the sender reads it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"
#include "delta/source_window.h"
#include "fs/read_at.h"

namespace crsync::session {

// A source file for the sender. A small file is read whole into a buffer the
// sender reuses; a larger one is read on demand with pread into the
// matcher's window (delta::SourceWindow), as upstream's map_ptr does. (Not
// mapped: on a VM every first touch of a mapped page costs more than the
// kernel's copy, and unmapping interrupts the other threads of a local copy
// to flush their TLBs.) Bytes past the end of a file that shrank since its
// fstat read as zeros, up to the length it was listed with; status() tells.
class SourceFile {
 public:
  static constexpr size_t kReadBelow = 256 * 1024;

  // `fd` stays the caller's and must stay open while this view is used;
  // `buf` (for small files) must outlive it.
  Status open(int fd, size_t len, Bytes* buf) {
    fd_ = fd;
    len_ = len;
    if (len == 0) return Status::Ok();
    if (len < kReadBelow && buf) {
      if (buf->size() < len) buf->resize(len);
      status_ = fs::read_at(fd, 0, buf->data(), len);
      data_ = buf->data();
    }
    return Status::Ok();
  }
  size_t size() const { return len_; }
  // The whole file, when it was read into the buffer (else null).
  bool in_memory() const { return data_ != nullptr || len_ == 0; }
  ByteSpan span() const { return ByteSpan(data_, len_); }
  // Reads [off, off + len) of a file not held in memory.
  void read(uint64_t off, uint8_t* out, size_t len) {
    const int e = fs::read_at(fd_, off, out, len);
    if (e && !status_) status_ = e;
  }
  // The matcher's view of this file.
  delta::SourceWindow window() {
    if (in_memory()) return delta::SourceWindow(span());
    return delta::SourceWindow(len_,
                               [this](uint64_t off, uint8_t* out, size_t n) { read(off, out, n); });
  }
  // Upstream's map status: the errno of a failed read, ENODATA when the
  // file ended early (the bytes past its end were read as zeros), else 0.
  int status() const { return status_; }

 private:
  int fd_ = -1;
  int status_ = 0;
  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
};

}  // namespace crsync::session
