// The bytes of the new file as the matcher asks for them: any range from the
// point it still needs (the start of the pending literal run) onwards, as
// one contiguous span. A file held in memory is its own window; a large file
// is read on demand into one reused buffer (upstream's map_ptr window),
// through a reader the session supplies, so delta/ does no I/O itself and
// the bytes reach the matcher through the kernel's copy rather than through
// first touches of a mapping (fs/read_at.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "base/bytes.h"

namespace crsync::delta {

class SourceWindow {
 public:
  // Fills `out` with the `len` bytes at `off` (zeros where the file ended
  // early; the reader remembers that for the caller).
  using Reader = std::function<void(uint64_t off, uint8_t* out, size_t len)>;
  // How much a refill reads ahead at least.
  static constexpr size_t kDefaultWindow = size_t{256} << 10;

  // The whole file in memory: no reads, no copies.
  explicit SourceWindow(ByteSpan all) : size_(all.size()), data_(all.data()), filled_(all.size()) {}
  // A file of `size` bytes read through `read`, `window` bytes ahead.
  SourceWindow(uint64_t size, Reader read, size_t window = kDefaultWindow)
      : size_(size), read_(std::move(read)), window_(window < 1 ? 1 : window) {}

  uint64_t size() const { return size_; }

  // [off, off + len), off at or above the kept point and off + len at most
  // size(). Valid until the next get() or at().
  ByteSpan get(uint64_t off, size_t len) {
    if (off >= base_ && off - base_ + len <= filled_) return ByteSpan(data_ + (off - base_), len);
    return refill(off, len);
  }
  uint8_t at(uint64_t off) {
    if (off >= base_ && off - base_ < filled_) return data_[off - base_];
    return refill(off, 1)[0];
  }
  // Nothing below `off` will be asked for again (a refill drops it).
  void keep_from(uint64_t off) {
    if (off > keep_) keep_ = off;
  }

  // Bytes read through the reader so far (tests).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  ByteSpan refill(uint64_t off, size_t len);

  uint64_t size_ = 0;
  Reader read_;
  size_t window_ = kDefaultWindow;
  Bytes buf_;
  const uint8_t* data_ = nullptr;  // the bytes at base_
  uint64_t base_ = 0;
  size_t filled_ = 0;  // [base_, base_ + filled_) is in data_
  uint64_t keep_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace crsync::delta
