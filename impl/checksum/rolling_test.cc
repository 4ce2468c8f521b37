#include "checksum/rolling.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crsync::checksum {
namespace {

TEST(RollingSumTest, KnownValues) {
  // s1 = 97+98+99+100 = 394; s2 = 97+195+294+394 = 980.
  EXPECT_EQ(RollingSum::compute(as_bytes("abcd")), 394u | (980u << 16));
  EXPECT_EQ(RollingSum::compute(ByteSpan()), 0u);
  // Bytes are signed: 0xFF counts as -1, so s1 = -1 and s2 = -1.
  const uint8_t ff[] = {0xFF};
  EXPECT_EQ(RollingSum::compute(ByteSpan(ff)), 0xFFFFu | (0xFFFFu << 16));
}

// The chunked (vectorised) window sum equals the byte-serial definition,
// for windows shorter and longer than a chunk and of every remainder.
RC_GTEST_PROP(RollingSumProp, ComputeEqualsSerialDefinition, (std::vector<uint8_t> data)) {
  const size_t repeat = *rc::gen::inRange<size_t>(1, 200);
  std::vector<uint8_t> window;
  for (size_t r = 0; r < repeat; ++r) window.insert(window.end(), data.begin(), data.end());
  uint32_t s1 = 0, s2 = 0;
  for (uint8_t b : window) {
    s1 += static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(b)));
    s2 += s1;
  }
  RC_ASSERT(RollingSum::compute(ByteSpan(window)) == ((s1 & 0xFFFFu) | (s2 << 16)));
}

RC_GTEST_PROP(RollingSumProp, RollEqualsRecompute, (std::vector<uint8_t> data)) {
  RC_PRE(data.size() >= 2);
  const size_t k = *rc::gen::inRange<size_t>(1, data.size());
  RollingSum r(ByteSpan(data.data(), k));
  for (size_t i = 0; i + k < data.size(); ++i) {
    r.roll(data[i], data[i + k]);
    RC_ASSERT(r.value() == RollingSum::compute(ByteSpan(data.data() + i + 1, k)));
  }
}

RC_GTEST_PROP(RollingSumProp, TrimEqualsRecompute, (std::vector<uint8_t> data)) {
  RC_PRE(!data.empty());
  RollingSum r{ByteSpan(data)};
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    r.trim(data[i]);
    RC_ASSERT(r.value() == RollingSum::compute(ByteSpan(data.data() + i + 1, data.size() - i - 1)));
  }
}

}  // namespace
}  // namespace crsync::checksum
