#include "wire/primitives.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>

namespace crsync::wire {
namespace {

Bytes enc_varint(int32_t v) {
  ByteWriter w;
  put_varint(w, v);
  return w.take();
}
Bytes enc_varlong(int64_t v, int min) {
  ByteWriter w;
  put_varlong(w, v, min);
  return w.take();
}

// ---- Known encodings, worked out from upstream io.c's algorithm ----
TEST(VarintTest, KnownEncodings) {
  EXPECT_EQ(enc_varint(0), (Bytes{0x00}));
  EXPECT_EQ(enc_varint(0x7F), (Bytes{0x7F}));
  EXPECT_EQ(enc_varint(0x80), (Bytes{0x80, 0x80}));
  EXPECT_EQ(enc_varint(0x3FFF), (Bytes{0xBF, 0xFF}));
  EXPECT_EQ(enc_varint(0x4000), (Bytes{0xC0, 0x00, 0x40}));
  EXPECT_EQ(enc_varint(0x0FFFFFFF), (Bytes{0xEF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(enc_varint(0x10000000), (Bytes{0xF0, 0x00, 0x00, 0x00, 0x10}));
  EXPECT_EQ(enc_varint(-1), (Bytes{0xF0, 0xFF, 0xFF, 0xFF, 0xFF}));
  // The compat flags of two full 3.4.1 peers (protocol map 2.2).
  EXPECT_EQ(enc_varint(0x1FF), (Bytes{0x81, 0xFF}));
}

TEST(VarlongTest, KnownEncodings) {
  // An mtime from the golden fixtures, min 4 bytes.
  EXPECT_EQ(enc_varlong(1700000305, 4), (Bytes{0x65, 0x31, 0xF2, 0x53}));
  // A size, min 3 bytes.
  EXPECT_EQ(enc_varlong(49152, 3), (Bytes{0x00, 0x00, 0xC0}));
  EXPECT_EQ(enc_varlong(0x800000, 3), (Bytes{0x80, 0x00, 0x00, 0x80}));
  EXPECT_EQ(enc_varlong(0, 3), (Bytes{0x00, 0x00, 0x00}));
}

TEST(LongintTest, SmallAndLarge) {
  ByteWriter w;
  put_longint(w, 5);
  put_longint(w, int64_t{1} << 32);
  EXPECT_EQ(w.bytes(), (Bytes{5, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 0, 0, 0}));
  ByteReader r{ByteSpan(w.bytes())};
  int64_t a = 0, b = 0;
  ASSERT_TRUE(get_longint(r, &a).ok());
  ASSERT_TRUE(get_longint(r, &b).ok());
  EXPECT_EQ(a, 5);
  EXPECT_EQ(b, int64_t{1} << 32);
}

TEST(VstringTest, OneAndTwoByteLengths) {
  ByteWriter w;
  ASSERT_TRUE(put_vstring(w, "md5").ok());
  ASSERT_TRUE(put_vstring(w, std::string(200, 'x')).ok());
  EXPECT_EQ(w.bytes()[0], 3);
  EXPECT_EQ(w.bytes()[4], 0x80);
  EXPECT_EQ(w.bytes()[5], 0xC8);
  ByteReader r{ByteSpan(w.bytes())};
  std::string a, b;
  ASSERT_TRUE(get_vstring(r, 1024, &a).ok());
  ASSERT_TRUE(get_vstring(r, 1024, &b).ok());
  EXPECT_EQ(a, "md5");
  EXPECT_EQ(b, std::string(200, 'x'));
}

TEST(VstringTest, RefusesOverLong) {
  ByteWriter w;
  EXPECT_EQ(put_vstring(w, std::string(0x8000, 'x')).exit_status(), 2);
  ASSERT_TRUE(put_vstring(w, std::string(300, 'x')).ok());
  ByteReader r{ByteSpan(w.bytes())};
  std::string s;
  Status st = get_vstring(r, 256, &s);
  EXPECT_EQ(st.exit_status(), 12);
}

TEST(VarintTest, RefusesOverflowLead) {
  const uint8_t bad[] = {0xF8, 1, 2, 3, 4, 5, 6};
  ByteReader r{ByteSpan(bad)};
  int32_t v = 0;
  EXPECT_EQ(get_varint(r, &v).exit_status(), 12);
}

TEST(VarlongTest, RefusesOverflowLead) {
  const uint8_t bad[] = {0xFC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  ByteReader r{ByteSpan(bad)};
  int64_t v = 0;
  EXPECT_EQ(get_varlong(r, 4, &v).exit_status(), 12);
}

// ---- Properties ----
int significant_bits(uint64_t v) {
  return 64 - std::countl_zero(v);
}

RC_GTEST_PROP(VarintProp, RoundTripsAndIsMinimal, (int32_t v)) {
  const Bytes b = enc_varint(v);
  ByteReader r{ByteSpan(b)};
  int32_t out = 0;
  RC_ASSERT(get_varint(r, &out).ok());
  RC_ASSERT(out == v);
  RC_ASSERT(r.empty());
  // e extra bytes hold 7e+7 bits: the fewest that fit.
  const int bits = significant_bits(static_cast<uint32_t>(v));
  const int extra = bits <= 7 ? 0 : (bits + 6) / 7 - 1;
  RC_ASSERT(b.size() == static_cast<size_t>(1 + extra));
}

RC_GTEST_PROP(VarlongProp, RoundTripsAndIsMinimal, (int64_t v)) {
  const int min = *rc::gen::element(3, 4);
  const Bytes b = enc_varlong(v, min);
  ByteReader r{ByteSpan(b)};
  int64_t out = 0;
  RC_ASSERT(get_varlong(r, min, &out).ok());
  RC_ASSERT(out == v);
  RC_ASSERT(r.empty());
  const int bits = significant_bits(static_cast<uint64_t>(v));
  const int over = bits - 8 * (min - 1);
  const int extra = over <= 7 ? 0 : (over + 6) / 7 - 1;
  RC_ASSERT(b.size() == static_cast<size_t>(min + extra));
}

RC_GTEST_PROP(LongintProp, RoundTrips, (int64_t v)) {
  ByteWriter w;
  put_longint(w, v);
  RC_ASSERT(w.size() == ((v >= 0 && v <= 0x7FFFFFFF) ? 4u : 12u));
  ByteReader r{ByteSpan(w.bytes())};
  int64_t out = 0;
  RC_ASSERT(get_longint(r, &out).ok());
  RC_ASSERT(out == v);
}

RC_GTEST_PROP(VstringProp, RoundTrips, ()) {
  const auto s = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 0x7FFF),
                                                  rc::gen::arbitrary<char>());
  ByteWriter w;
  RC_ASSERT(put_vstring(w, s).ok());
  RC_ASSERT(w.size() == s.size() + (s.size() > 0x7F ? 2 : 1));
  ByteReader r{ByteSpan(w.bytes())};
  std::string out;
  RC_ASSERT(get_vstring(r, 0x8000, &out).ok());
  RC_ASSERT(out == s);
}

// Every strict prefix of a valid encoding is need-more, never an error, a
// crash or an over-read (the sanitizer build runs these).
RC_GTEST_PROP(PrimitivesProp, TruncationIsNeedMore, (int32_t a, int64_t b)) {
  ByteWriter w;
  put_varint(w, a);
  put_varlong(w, b, 3);
  put_longint(w, b);
  RC_ASSERT(put_vstring(w, std::string(static_cast<size_t>(a & 0x3FF), 'q')).ok());
  const Bytes all = w.take();
  for (size_t cut = 0; cut < all.size(); ++cut) {
    ByteReader r{ByteSpan(all.data(), cut)};
    int32_t x = 0;
    int64_t y = 0, z = 0;
    std::string s;
    Status st = get_varint(r, &x);
    if (st.ok()) st = get_varlong(r, 3, &y);
    if (st.ok()) st = get_longint(r, &z);
    if (st.ok()) st = get_vstring(r, 0x8000, &s);
    RC_ASSERT(st.need_more());
  }
}

// Arbitrary bytes decode to a value, need-more, or a stream error.
RC_GTEST_PROP(PrimitivesProp, GarbageNeverCrashes, (std::vector<uint8_t> junk)) {
  ByteReader r{ByteSpan(junk)};
  while (!r.empty()) {
    int64_t v = 0;
    Status st = get_varlong(r, 3, &v);
    if (!st.ok()) {
      RC_ASSERT(st.need_more() || st.exit_status() == 12);
      break;
    }
  }
}

}  // namespace
}  // namespace crsync::wire
