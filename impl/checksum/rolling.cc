#include "checksum/rolling.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define CRSYNC_ROLLING_AVX2 1
#include <immintrin.h>
#endif

namespace crsync::checksum {
namespace {

constexpr size_t kChunk = 32;

uint32_t sb(uint8_t b) {
  return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(b)));
}

// The byte-serial definition, continuing from `w`.
WindowSums serial_tail(WindowSums w, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    w.s1 += sb(p[i]);
    w.s2 += w.s1;
  }
  return w;
}

}  // namespace

namespace detail {

// The byte-serial definition is s1 += b; s2 += s1. A chunk of kChunk bytes
// b_0..b_{k-1} appended to a window with sums (s1, s2) gives
// s2 + k * s1 + sum((k - j) * b_j) and s1 + sum(b_j): the same value
// without the per-byte dependency chain, so the chunk loop vectorises.
WindowSums window_sums_portable(const uint8_t* p, size_t n) {
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
  return serial_tail({s1, s2}, p + i, n - i);
}

#ifdef CRSYNC_ROLLING_AVX2
// The same chunk identity with 32-byte AVX2 vectors (the scheme of SIMD
// Adler-32 implementations, adjusted for signed bytes):
//  - s1: psadbw sums each 8 bytes as unsigned after flipping the sign bit
//    (b ^ 0x80 = b + 128 for a signed b), so every chunk adds 32 * 128 too
//    many; that is taken off once at the end.
//  - the chunk's weighted sum sum((32 - j) * b_j): pmaddubsw multiplies the
//    unsigned weights 32..1 by the signed bytes into 16-bit pairs (at most
//    2 * 32 * 128, no saturation), pmaddwd widens them to 32 bits.
//  - k * s1 over all chunks is 32 times the sum of s1 before each chunk,
//    kept as a running vector of the per-lane s1 totals.
// All arithmetic is modulo 2^32, as the serial definition's.
__attribute__((target("avx2"))) WindowSums window_sums_avx2(const uint8_t* p, size_t n) {
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i zero = _mm256_setzero_si256();
  const __m256i ones16 = _mm256_set1_epi16(1);
  const __m256i weights =
      _mm256_setr_epi8(32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14,
                       13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
  __m256i s1 = zero;      // 4 x 64-bit: unsigned (sign-flipped) byte sums
  __m256i before = zero;  // 4 x 64-bit: sum of s1 before each chunk
  __m256i s2 = zero;      // 8 x 32-bit: weighted chunk sums
  const size_t chunks = n / kChunk;
  for (size_t c = 0; c < chunks; ++c) {
    const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + c * kChunk));
    before = _mm256_add_epi64(before, s1);
    s1 = _mm256_add_epi64(s1, _mm256_sad_epu8(_mm256_xor_si256(d, flip), zero));
    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(_mm256_maddubs_epi16(weights, d), ones16));
  }
  alignas(32) uint64_t a1[4], ab[4];
  alignas(32) uint32_t a2[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(a1), s1);
  _mm256_store_si256(reinterpret_cast<__m256i*>(ab), before);
  _mm256_store_si256(reinterpret_cast<__m256i*>(a2), s2);
  const uint64_t k = chunks;
  const uint64_t flipped = 128 * kChunk;  // added per chunk by the flip
  const uint64_t sum1 = a1[0] + a1[1] + a1[2] + a1[3] - flipped * k;
  // Chunk c saw c chunks' worth of flipped bytes in its "before".
  const uint64_t sum_before =
      ab[0] + ab[1] + ab[2] + ab[3] - flipped * (k == 0 ? 0 : k * (k - 1) / 2);
  uint32_t weighted = 0;
  for (uint32_t v : a2) weighted += v;
  const WindowSums w{static_cast<uint32_t>(sum1),
                     static_cast<uint32_t>(kChunk * sum_before) + weighted};
  return serial_tail(w, p + chunks * kChunk, n - chunks * kChunk);
}

bool have_avx2_window_sums() {
  return __builtin_cpu_supports("avx2");
}
#else
WindowSums window_sums_avx2(const uint8_t* p, size_t n) {
  return window_sums_portable(p, n);
}
bool have_avx2_window_sums() {
  return false;
}
#endif

}  // namespace detail

WindowSums window_sums(const uint8_t* p, size_t n) {
  static const auto impl =
      detail::have_avx2_window_sums() ? detail::window_sums_avx2 : detail::window_sums_portable;
  return impl(p, n);
}

}  // namespace crsync::checksum
