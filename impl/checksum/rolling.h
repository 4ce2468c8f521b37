// rsync's rolling (weak) checksum, "sum1" (upstream checksum.c get_checksum1
// and the rolling update in match.c). Bytes are taken as *signed* chars and
// CHAR_OFFSET is 0, as in upstream. s1 is the byte sum, s2 the sum of the
// running s1 values; the checksum is (s1 & 0xFFFF) | (s2 << 16). Rolling the
// window one byte costs O(1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace crsync::checksum {

// s1 and s2 over a whole window (rolling.cc: vectorised, with an AVX2
// variant chosen at run time where the CPU has it).
struct WindowSums {
  uint32_t s1 = 0, s2 = 0;
  bool operator==(const WindowSums&) const = default;
};
WindowSums window_sums(const uint8_t* p, size_t n);

// The variants window_sums chooses between, named for tests and benchmarks.
namespace detail {
WindowSums window_sums_portable(const uint8_t* p, size_t n);
// AVX2 intrinsics; only to be called when have_avx2_window_sums().
WindowSums window_sums_avx2(const uint8_t* p, size_t n);
bool have_avx2_window_sums();
}  // namespace detail

class RollingSum {
 public:
  RollingSum() = default;
  explicit RollingSum(ByteSpan window) { reset(window); }

  // Starts a window over `window` (its size is the block length k).
  void reset(ByteSpan window) {
    const WindowSums w = window_sums(window.data(), window.size());
    s1_ = w.s1;
    s2_ = w.s2;
    len_ = static_cast<uint32_t>(window.size());
  }
  // Slides the window: `out` leaves at the front, `in` enters at the back.
  void roll(uint8_t out, uint8_t in) {
    s1_ += sb(in) - sb(out);
    s2_ += s1_ - len_ * sb(out);
  }
  // Shrinks the window by dropping `out` from the front (end of file).
  void trim(uint8_t out) {
    s1_ -= sb(out);
    s2_ -= len_ * sb(out);
    --len_;
  }
  uint32_t value() const { return (s1_ & 0xFFFF) | (s2_ << 16); }
  uint32_t length() const { return len_; }

  static uint32_t compute(ByteSpan data) { return RollingSum(data).value(); }

 private:
  static uint32_t sb(uint8_t b) {
    return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(b)));
  }
  uint32_t s1_ = 0, s2_ = 0, len_ = 0;
};

}  // namespace crsync::checksum
