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
