#include "checksum/sum_sizes.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "wire/protocol_format.h"

namespace crsync::checksum {
namespace {

TEST(SumSizesTest, SmallFilesUse700ByteBlocks) {
  SumHead h = sum_sizes_sqroot(0, {});
  EXPECT_EQ(h.blength, 700);
  EXPECT_EQ(h.count, 0);
  EXPECT_EQ(h.s2length, 2);
  h = sum_sizes_sqroot(11200, {});
  EXPECT_EQ(h.blength, 700);
  EXPECT_EQ(h.count, 16);
  EXPECT_EQ(h.remainder, 0);
  h = sum_sizes_sqroot(49152, {});
  EXPECT_EQ(h.count, 71);
  EXPECT_EQ(h.remainder, 49152 - 70 * 700);
}

TEST(SumSizesTest, LargeFilesUseSquareRootRoundedTo8) {
  // Worked by hand from generator.c: sqrt(1e6) = 1000, a multiple of 8.
  SumHead h = sum_sizes_sqroot(1000000, {});
  EXPECT_EQ(h.blength, 1000);
  EXPECT_EQ(h.count, 1000);
  EXPECT_EQ(h.s2length, 2);
  // 256 MiB: sqrt = 16384.
  h = sum_sizes_sqroot(int64_t{256} << 20, {});
  EXPECT_EQ(h.blength, 16384);
  EXPECT_EQ(h.s2length, 3);
  // Beyond (1<<17)^2 the block length is clamped to MAX_BLOCK_SIZE from 30...
  h = sum_sizes_sqroot(int64_t{1} << 40, {});
  EXPECT_EQ(h.blength, wire::kMaxBlockSize);
  // ...but not below 30.
  SumSizeParams p29;
  p29.protocol = 29;
  EXPECT_EQ(sum_sizes_sqroot(int64_t{1} << 40, p29).blength, 1 << 20);
}

TEST(SumSizesTest, BlockSizeOptionWins) {
  SumSizeParams p;
  p.block_size_opt = 4096;
  SumHead h = sum_sizes_sqroot(10000, p);
  EXPECT_EQ(h.blength, 4096);
  EXPECT_EQ(h.count, 3);
  EXPECT_EQ(h.remainder, 10000 - 8192);
}

TEST(SumSizesTest, RedoPassIsCappedUnlessEmulating341) {
  SumSizeParams p;
  p.redo_pass = true;
  p.xfer_sum_len = 8;  // xxh64
  EXPECT_EQ(sum_sizes_sqroot(5000, p).s2length, 8);
  p.upstream_341_redo_quirk = true;
  EXPECT_EQ(sum_sizes_sqroot(5000, p).s2length, 16);
}

TEST(SumHeadCheckTest, RefusesHostileHeads) {
  EXPECT_TRUE(check_sum_head({3, 700, 2, 100}, 32, 16).ok());
  EXPECT_EQ(check_sum_head({-1, 700, 2, 0}, 32, 16).exit_status(), 2);
  EXPECT_EQ(check_sum_head({1, (1 << 17) + 1, 2, 0}, 32, 16).exit_status(), 2);
  EXPECT_TRUE(check_sum_head({1, (1 << 17) + 1, 2, 0}, 29, 16).ok());
  // CVE-2024-12084: a strong-sum length beyond the digest.
  EXPECT_EQ(check_sum_head({1, 700, 17, 0}, 32, 16).exit_status(), 2);
  EXPECT_EQ(check_sum_head({1, 700, 9, 0}, 32, 8).exit_status(), 2);
  EXPECT_EQ(check_sum_head({1, 700, -1, 0}, 32, 16).exit_status(), 2);
  EXPECT_EQ(check_sum_head({1, 700, 2, 701}, 32, 16).exit_status(), 2);
  // rsync 3.5.0: blocks with a zero block length.
  EXPECT_EQ(check_sum_head({5, 0, 2, 0}, 32, 16).exit_status(), 2);
  EXPECT_TRUE(check_sum_head({0, 0, 0, 0}, 32, 16).ok());
}

RC_GTEST_PROP(SumSizesProp, HeadsAreConsistentAndAccepted, (int64_t len)) {
  len = len < 0 ? -(len + 1) : len;
  len %= int64_t{1} << 42;
  const int protocol = *rc::gen::inRange(28, 33);
  SumSizeParams p;
  p.protocol = protocol;
  const SumHead h = sum_sizes_sqroot(len, p);
  RC_ASSERT(h.blength >= 700);
  RC_ASSERT(h.blength % 4 == 0);
  RC_ASSERT(int64_t{h.count - (h.remainder != 0)} * h.blength + h.remainder == len);
  RC_ASSERT(h.s2length >= 2 && h.s2length <= 16);
  RC_ASSERT(check_sum_head(h, protocol, 16).ok());
}

}  // namespace
}  // namespace crsync::checksum
