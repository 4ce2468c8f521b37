#include "checksum/strong_sum.h"

#include <xxhash.h>

namespace crsync::checksum {
namespace {

void seed_bytes(int32_t seed, uint8_t out[4]) {
  const auto u = static_cast<uint32_t>(seed);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(u >> (8 * i));
}

uint64_t xxh_seed(int32_t seed) {
  return static_cast<uint64_t>(static_cast<int64_t>(seed));
}

void store_le64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

BlockSummer::BlockSummer(ChecksumType type, int32_t seed, bool proper_seed_order)
    : type_(type),
      seed_(seed),
      seed_first_(type == ChecksumType::kSha1 || (type == ChecksumType::kMd5 && proper_seed_order)),
      hasher_(type) {}

BlockSummer::BlockSummer(ChecksumType type, int32_t seed, bool seed_first, Rules)
    : type_(type), seed_(seed), seed_first_(seed_first), hasher_(type) {}

void BlockSummer::sum2(ByteSpan block, uint8_t* out) {
  switch (type_) {
    case ChecksumType::kXxh64:
      store_le64(out, XXH64(block.data(), block.size(), xxh_seed(seed_)));
      return;
    case ChecksumType::kXxh3_64:
      store_le64(out, XXH3_64bits_withSeed(block.data(), block.size(), xxh_seed(seed_)));
      return;
    case ChecksumType::kXxh3_128: {
      const XXH128_hash_t d = XXH3_128bits_withSeed(block.data(), block.size(), xxh_seed(seed_));
      store_le64(out, d.low64);
      store_le64(out + 8, d.high64);
      return;
    }
    case ChecksumType::kNone: out[0] = 0; return;
    default: break;
  }
  uint8_t s[4];
  seed_bytes(seed_, s);
  hasher_.reset();
  if (seed_ && seed_first_) hasher_.update(ByteSpan(s, 4));
  hasher_.update(block);
  if (seed_ && !seed_first_) hasher_.update(ByteSpan(s, 4));
  hasher_.finish(out);
}

FileSum::FileSum(ChecksumType type, int32_t seed) : hasher_(type) {
  if (type == ChecksumType::kMd4Old || type == ChecksumType::kMd4Busted ||
      type == ChecksumType::kMd4Archaic) {
    uint8_t s[4];
    seed_bytes(seed, s);
    hasher_.update(ByteSpan(s, 4));
  }
}

}  // namespace crsync::checksum
