#include "checksum/md4.h"

#include <cstring>

namespace crsync::checksum {
namespace {

inline uint32_t rotl(uint32_t x, int s) {
  return (x << s) | (x >> (32 - s));
}
inline uint32_t f(uint32_t x, uint32_t y, uint32_t z) {
  return (x & y) | (~x & z);
}
inline uint32_t g(uint32_t x, uint32_t y, uint32_t z) {
  return (x & y) | (x & z) | (y & z);
}
inline uint32_t h(uint32_t x, uint32_t y, uint32_t z) {
  return x ^ y ^ z;
}

}  // namespace

void Md4::block(const uint8_t* p) {
  uint32_t x[16];
  for (int i = 0; i < 16; ++i) {
    x[i] = static_cast<uint32_t>(p[4 * i]) | (static_cast<uint32_t>(p[4 * i + 1]) << 8) |
           (static_cast<uint32_t>(p[4 * i + 2]) << 16) |
           (static_cast<uint32_t>(p[4 * i + 3]) << 24);
  }
  uint32_t a = a_, b = b_, c = c_, d = d_;

  // Round 1: F, word order 0..15, shifts 3 7 11 19.
  static constexpr int kS1[4] = {3, 7, 11, 19};
  for (int i = 0; i < 16; i += 4) {
    a = rotl(a + f(b, c, d) + x[i], kS1[0]);
    d = rotl(d + f(a, b, c) + x[i + 1], kS1[1]);
    c = rotl(c + f(d, a, b) + x[i + 2], kS1[2]);
    b = rotl(b + f(c, d, a) + x[i + 3], kS1[3]);
  }
  // Round 2: G, columns, shifts 3 5 9 13, constant sqrt(2).
  static constexpr uint32_t kK2 = 0x5A827999;
  for (int i = 0; i < 4; ++i) {
    a = rotl(a + g(b, c, d) + x[i] + kK2, 3);
    d = rotl(d + g(a, b, c) + x[i + 4] + kK2, 5);
    c = rotl(c + g(d, a, b) + x[i + 8] + kK2, 9);
    b = rotl(b + g(c, d, a) + x[i + 12] + kK2, 13);
  }
  // Round 3: H, bit-reversed order, shifts 3 9 11 15, constant sqrt(3).
  static constexpr uint32_t kK3 = 0x6ED9EBA1;
  static constexpr int kOrder3[4] = {0, 2, 1, 3};
  for (int j = 0; j < 4; ++j) {
    const int i = kOrder3[j];
    a = rotl(a + h(b, c, d) + x[i] + kK3, 3);
    d = rotl(d + h(a, b, c) + x[i + 8] + kK3, 9);
    c = rotl(c + h(d, a, b) + x[i + 4] + kK3, 11);
    b = rotl(b + h(c, d, a) + x[i + 12] + kK3, 15);
  }
  a_ += a;
  b_ += b;
  c_ += c;
  d_ += d;
}

void Md4::update(ByteSpan data) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  total_ += n;
  if (buf_len_) {
    const size_t take = std::min(n, 64 - buf_len_);
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
    if (buf_len_ < 64) return;
    block(buf_);
    buf_len_ = 0;
  }
  while (n >= 64) {
    block(p);
    p += 64;
    n -= 64;
  }
  if (n) {
    std::memcpy(buf_, p, n);
    buf_len_ = n;
  }
}

Md4::Digest Md4::finish() {
  if (!(busted_ && buf_len_ == 0)) {
    uint64_t bits = total_ * 8;
    if (busted_) bits &= 0xFFFFFFFFu;
    uint8_t pad[128] = {};
    std::memcpy(pad, buf_, buf_len_);
    pad[buf_len_] = 0x80;
    const size_t len = buf_len_ <= 55 ? 64 : 128;
    for (int i = 0; i < 8; ++i) pad[len - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
    block(pad);
    if (len == 128) block(pad + 64);
  }
  Digest out;
  const uint32_t st[4] = {a_, b_, c_, d_};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(st[i] >> (8 * j));
  return out;
}

}  // namespace crsync::checksum
