#include "checksum/rolling.h"

namespace crsync::checksum {
namespace {

constexpr size_t kChunk = 32;

uint32_t sb(uint8_t b) {
  return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(b)));
}

}  // namespace

// The byte-serial definition is s1 += b; s2 += s1. A chunk of kChunk bytes
// b_0..b_{k-1} appended to a window with sums (s1, s2) gives
// s2 + k * s1 + sum((k - j) * b_j) and s1 + sum(b_j): the same value
// without the per-byte dependency chain, so the chunk loop vectorises.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
WindowSums
window_sums(const uint8_t* p, size_t n) {
  uint32_t s1 = 0, s2 = 0;
  size_t i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    uint32_t a = 0, b = 0;
    for (size_t j = 0; j < kChunk; ++j) {
      const uint32_t v = sb(p[i + j]);
      a += v;
      b += static_cast<uint32_t>(kChunk - j) * v;
    }
    s2 += static_cast<uint32_t>(kChunk) * s1 + b;
    s1 += a;
  }
  for (; i < n; ++i) {
    s1 += sb(p[i]);
    s2 += s1;
  }
  return {s1, s2};
}

}  // namespace crsync::checksum
