// MD4 (RFC 1320), with the variant older rsync protocols used. crsync carries
// its own MD4 because OpenSSL 3 only offers it through the legacy provider.
//
// Md4 is a streaming hash. `busted_tail` reproduces the pre-protocol-27 bug
// (CSUM_MD4_BUSTED / CSUM_MD4_ARCHAIC): when the total input length is a
// multiple of 64 (including 0) the padding block is never processed, so the digest
// is the raw state after the last full block; those protocols also counted
// only the low 32 bits of the bit length.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace crsync::checksum {

class Md4 {
 public:
  static constexpr size_t kDigestLen = 16;
  using Digest = std::array<uint8_t, kDigestLen>;

  explicit Md4(bool busted_tail = false) : busted_(busted_tail) {}
  void update(ByteSpan data);
  Digest finish();

  static Digest hash(ByteSpan data) {
    Md4 m;
    m.update(data);
    return m.finish();
  }

 private:
  void block(const uint8_t* p);

  uint32_t a_ = 0x67452301, b_ = 0xefcdab89, c_ = 0x98badcfe, d_ = 0x10325476;
  uint64_t total_ = 0;
  uint8_t buf_[64] = {};
  size_t buf_len_ = 0;
  bool busted_;
};

}  // namespace crsync::checksum
