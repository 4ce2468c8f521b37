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

WindowSums serial_sums(const uint8_t* p, size_t n) {
  WindowSums w;
  for (size_t i = 0; i < n; ++i) {
    w.s1 += static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(p[i])));
    w.s2 += w.s1;
  }
  return w;
}

// Both variants window_sums chooses between give the serial definition's
// full 32-bit s1 and s2 (not only the 16 bits of each the checksum keeps),
// at any alignment and length.
RC_GTEST_PROP(RollingSumProp, EveryVariantEqualsSerialDefinition, (std::vector<uint8_t> data)) {
  const size_t repeat = *rc::gen::inRange<size_t>(1, 300);
  const size_t skew = *rc::gen::inRange<size_t>(0, 32);
  std::vector<uint8_t> buf(skew);
  for (size_t r = 0; r < repeat; ++r) buf.insert(buf.end(), data.begin(), data.end());
  const uint8_t* p = buf.data() + skew;
  const size_t n = buf.size() - skew;
  const WindowSums want = serial_sums(p, n);
  RC_ASSERT(detail::window_sums_portable(p, n) == want);
  if (detail::have_avx2_window_sums()) RC_ASSERT(detail::window_sums_avx2(p, n) == want);
  RC_ASSERT(window_sums(p, n) == want);
}

// Long windows of extreme bytes: every lane's sums wrap modulo 2^32 many
// times over (all 0x80 is the most negative byte, all 0x7f the most positive).
TEST(RollingSumTest, VariantsAgreeOnLongExtremeWindows) {
  for (uint8_t fill : {uint8_t{0x80}, uint8_t{0x7f}, uint8_t{0xff}, uint8_t{0x01}}) {
    for (size_t n :
         {size_t{31}, size_t{32}, size_t{33}, size_t{16384}, size_t{131072 + 7}, size_t{4} << 20}) {
      std::vector<uint8_t> buf(n, fill);
      for (size_t i = 0; i < n; i += 97) buf[i] = static_cast<uint8_t>(i * 31);
      const WindowSums want = serial_sums(buf.data(), n);
      EXPECT_EQ(detail::window_sums_portable(buf.data(), n), want) << n;
      if (detail::have_avx2_window_sums()) {
        EXPECT_EQ(detail::window_sums_avx2(buf.data(), n), want) << n;
      }
    }
  }
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
