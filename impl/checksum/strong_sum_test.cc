#include "checksum/strong_sum.h"

#include <gtest/gtest.h>

#include <cstring>

#include "checksum/md4.h"

namespace crsync::checksum {
namespace {

Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const uint8_t kSeed[4] = {0xF9, 0x7F, 0x00, 0x00};  // 32761 little-endian
constexpr int32_t kSeedValue = 32761;

TEST(BlockSummerTest, Md5SeedOrderFollowsCompatFlag) {
  const auto data = as_bytes("block data");
  uint8_t got[16];
  BlockSummer proper(ChecksumType::kMd5, kSeedValue, /*proper_seed_order=*/true);
  proper.sum2(data, got);
  const DigestBuf seed_first =
      Hasher::hash(ChecksumType::kMd5, ByteSpan(cat({ByteSpan(kSeed), data})));
  EXPECT_EQ(0, std::memcmp(got, seed_first.data(), 16));

  BlockSummer old(ChecksumType::kMd5, kSeedValue, /*proper_seed_order=*/false);
  old.sum2(data, got);
  const DigestBuf seed_last =
      Hasher::hash(ChecksumType::kMd5, ByteSpan(cat({data, ByteSpan(kSeed)})));
  EXPECT_EQ(0, std::memcmp(got, seed_last.data(), 16));
}

TEST(BlockSummerTest, Md4AppendsSeedAndZeroSeedAddsNothing) {
  const auto data = as_bytes("0123456789");
  uint8_t got[16];
  BlockSummer s(ChecksumType::kMd4Old, kSeedValue, false);
  s.sum2(data, got);
  const auto want = Md4::hash(ByteSpan(cat({data, ByteSpan(kSeed)})));
  EXPECT_EQ(0, std::memcmp(got, want.data(), 16));

  BlockSummer z(ChecksumType::kMd4, 0, true);
  z.sum2(data, got);
  EXPECT_EQ(0, std::memcmp(got, Md4::hash(data).data(), 16));
}

TEST(BlockSummerTest, BustedMd4AtMultipleOf64WithSeed) {
  // 60 data bytes + 4 seed bytes = 64: the busted variant skips the tail.
  const std::string d(60, 'z');
  uint8_t busted[16], good[16];
  BlockSummer b(ChecksumType::kMd4Busted, kSeedValue, false);
  b.sum2(as_bytes(d), busted);
  BlockSummer g(ChecksumType::kMd4Old, kSeedValue, false);
  g.sum2(as_bytes(d), good);
  EXPECT_NE(0, std::memcmp(busted, good, 16));
}

TEST(BlockSummerTest, XxhSeedIsHashSeedSignExtended) {
  const auto data = as_bytes("abc");
  uint8_t got[8];
  BlockSummer s(ChecksumType::kXxh64, -2, true);
  s.sum2(data, got);
  const DigestBuf want = Hasher::hash(ChecksumType::kXxh64, data, 0xFFFFFFFFFFFFFFFEULL);
  EXPECT_EQ(0, std::memcmp(got, want.data(), 8));
}

TEST(FileSumTest, Md4OldPrependsSeedEvenWhenZero) {
  const auto data = as_bytes("whole file");
  uint8_t got[16];
  FileSum f(ChecksumType::kMd4Old, 0);
  f.update(data);
  f.finish(got);
  const uint8_t zero[4] = {0, 0, 0, 0};
  EXPECT_EQ(0, std::memcmp(got, Md4::hash(ByteSpan(cat({ByteSpan(zero), data}))).data(), 16));
}

TEST(FileSumTest, ModernSumsAreUnseeded) {
  const auto data = as_bytes("whole file");
  for (auto t : {ChecksumType::kMd4, ChecksumType::kMd5, ChecksumType::kXxh64,
                 ChecksumType::kXxh3_64, ChecksumType::kXxh3_128}) {
    uint8_t got[16];
    FileSum f(t, kSeedValue);
    f.update(data);
    const int n = f.finish(got);
    EXPECT_EQ(0, std::memcmp(got, Hasher::hash(t, data).data(), static_cast<size_t>(n)))
        << checksum_name(t);
  }
}

}  // namespace
}  // namespace crsync::checksum
