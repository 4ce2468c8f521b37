// A read-only view of a whole source file, as the sender reads it.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

#include "base/bytes.h"
#include "base/status.h"
#include "fs/mapped_file.h"

namespace crsync::session {

// A read-only view of a whole source file. A small file is read into a
// buffer the sender reuses; a larger one is mapped, with its resident pages
// following the matcher (fs::MappedFile). (Unmapping a file costs more than
// reading it when it is small: the local copy runs both roles as threads of
// one process, so every munmap interrupts the other cores to flush their
// TLBs.) A small file that shrank since its fstat reads as zeros past its
// new end, the length it was listed with.
class SourceFile {
 public:
  static constexpr size_t kReadBelow = 256 * 1024;

  // `buf` (for small files) must outlive this view.
  Status open(int fd, size_t len, Bytes* buf) {
    len_ = len;
    if (len == 0) return Status::Ok();
    if (len < kReadBelow && buf) {
      if (buf->size() < len) buf->resize(len);
      size_t got = 0;
      while (got < len) {
        const ssize_t n = ::pread(fd, buf->data() + got, len - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          status_ = n < 0 ? errno : ENODATA;
          break;
        }
        got += static_cast<size_t>(n);
      }
      std::fill(buf->begin() + static_cast<std::ptrdiff_t>(got),
                buf->begin() + static_cast<std::ptrdiff_t>(len), uint8_t{0});
      data_ = buf->data();
      return Status::Ok();
    }
    CRSYNC_RETURN_IF_ERROR(map_.map(fd, len));
    data_ = map_.span().data();
    return Status::Ok();
  }
  ByteSpan span() const { return ByteSpan(data_, len_); }
  // The mapping, for a reader that drives its resident window (null when
  // the file was read into the buffer).
  fs::MappedFile* mapping() { return map_.size() ? &map_ : nullptr; }
  // Upstream's map status: the errno of a failed read, ENODATA when the
  // file ended early (the bytes past its end were read as zeros), else 0.
  int status() const { return map_.size() ? map_.status() : status_; }

 private:
  fs::MappedFile map_;
  int status_ = 0;
  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
};

}  // namespace crsync::session
