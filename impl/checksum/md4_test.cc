#include "checksum/md4.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <string>

namespace crsync::checksum {
namespace {

std::string hex(const Md4::Digest& d) {
  std::string s;
  char b[3];
  for (uint8_t x : d) {
    std::snprintf(b, sizeof b, "%02x", x);
    s += b;
  }
  return s;
}

// RFC 1320, appendix A.5 test suite.
TEST(Md4Test, Rfc1320Vectors) {
  EXPECT_EQ(hex(Md4::hash(as_bytes(""))), "31d6cfe0d16ae931b73c59d7e0c089c0");
  EXPECT_EQ(hex(Md4::hash(as_bytes("a"))), "bde52cb31de33e46245e05fbdbd6fb24");
  EXPECT_EQ(hex(Md4::hash(as_bytes("abc"))), "a448017aaf21d8525fc10ae87aa6729d");
  EXPECT_EQ(hex(Md4::hash(as_bytes("message digest"))), "d9130a8164549fe818874806e1c7014b");
  EXPECT_EQ(hex(Md4::hash(as_bytes("abcdefghijklmnopqrstuvwxyz"))),
            "d79e1c308aa5bbcdeea8ed63df412da9");
  EXPECT_EQ(
      hex(Md4::hash(as_bytes("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))),
      "043f8582f241db351ce627e153e7f0e4");
  EXPECT_EQ(hex(Md4::hash(as_bytes("1234567890123456789012345678901234567890"
                                   "1234567890123456789012345678901234567890"))),
            "e33b4ddc9c38f2199c3e7b164fcc0536");
}

TEST(Md4Test, BustedTailSkipsPaddingAtMultiplesOf64) {
  const std::string s64(64, 'x');
  Md4 busted(true);
  busted.update(as_bytes(s64));
  Md4 good;
  good.update(as_bytes(s64));
  EXPECT_NE(busted.finish(), good.finish());
  // Away from multiples of 64 the busted variant is plain MD4.
  const std::string s65(65, 'x');
  Md4 b2(true);
  b2.update(as_bytes(s65));
  EXPECT_EQ(b2.finish(), Md4::hash(as_bytes(s65)));
  // With no tail, the digest is the raw chaining state after the block:
  // for the empty input that is MD4's initial state.
  Md4 empty(true);
  EXPECT_EQ(hex(empty.finish()), "0123456789abcdeffedcba9876543210");
}

RC_GTEST_PROP(Md4Prop, ChunkingDoesNotMatter, (std::vector<uint8_t> data, size_t cut)) {
  cut = data.empty() ? 0 : cut % data.size();
  Md4 m;
  m.update(ByteSpan(data.data(), cut));
  m.update(ByteSpan(data.data() + cut, data.size() - cut));
  RC_ASSERT(m.finish() == Md4::hash(ByteSpan(data)));
}

}  // namespace
}  // namespace crsync::checksum
