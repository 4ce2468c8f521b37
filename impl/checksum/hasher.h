// A streaming hash over any ChecksumType, with no rsync seeding rules (those
// live in strong_sum.h). MD4 is crsync's own (md4.h); MD5 and the SHA family
// come from OpenSSL; the xxHash family from libxxhash. xxh64/xxh3 digests are
// stored little-endian, xxh128 as low64 then high64, as upstream does.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "checksum/checksum_type.h"
#include "wire/protocol_format.h"

namespace crsync::checksum {

using DigestBuf = std::array<uint8_t, wire::kMaxDigestLen>;

class Hasher {
 public:
  // `xxh_seed` is the hash seed for the xxHash family (ignored by others).
  explicit Hasher(ChecksumType type, uint64_t xxh_seed = 0);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  ChecksumType type() const { return type_; }
  void update(ByteSpan data);
  // Writes digest_len(type) bytes and returns that length. The hasher must
  // be reset() before reuse.
  int finish(uint8_t* out);
  void reset(uint64_t xxh_seed = 0);

  // One-shot convenience.
  static DigestBuf hash(ChecksumType type, ByteSpan data, uint64_t xxh_seed = 0);

 private:
  struct Impl;
  ChecksumType type_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crsync::checksum
