#include "checksum/hasher.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace crsync::checksum {
namespace {

std::string hex(ChecksumType t, std::string_view data, uint64_t seed = 0) {
  const DigestBuf d = Hasher::hash(t, as_bytes(data), seed);
  std::string s;
  char b[3];
  for (int i = 0; i < digest_len(t); ++i) {
    std::snprintf(b, sizeof b, "%02x", d[static_cast<size_t>(i)]);
    s += b;
  }
  return s;
}

// RFC 1321, appendix A.5.
TEST(HasherTest, Md5Rfc1321Vectors) {
  EXPECT_EQ(hex(ChecksumType::kMd5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(ChecksumType::kMd5, "a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hex(ChecksumType::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(ChecksumType::kMd5, "message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex(ChecksumType::kMd5, "abcdefghijklmnopqrstuvwxyz"),
            "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(hex(ChecksumType::kMd5,
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

// xxHash reference values (the xxHash project's published sanity values),
// stored little-endian as rsync puts them on the wire.
TEST(HasherTest, XxhashReferenceValues) {
  EXPECT_EQ(hex(ChecksumType::kXxh64, ""), "99e9d85137db46ef");       // 0xEF46DB3751D8E999
  EXPECT_EQ(hex(ChecksumType::kXxh64, "abc"), "990977adf52cbc44");    // 0x44BC2CF5AD770999
  EXPECT_EQ(hex(ChecksumType::kXxh3_64, ""), "c294d3380580062d");     // 0x2D06800538D394C2
  EXPECT_EQ(hex(ChecksumType::kXxh3_64, "abc"), "50392f89945faf78");  // 0x78AF5F94892F3950
  // xxh128: low64 then high64, each little-endian.
  EXPECT_EQ(hex(ChecksumType::kXxh3_128, ""),
            "7f498d4624c30160d8984701d306aa99");  // 0x99AA06D3014798D8'6001C324468D497F
  EXPECT_EQ(hex(ChecksumType::kXxh3_128, "abc"),
            "50392f89945faf7885613a73b65ab006");  // 0x06B05AB6733A6185'78AF5F94892F3950
}

// rsync's own self-test of the XXH3 library (checksum.c verify_digest): a
// 32816-byte buffer of ' ' + j%96, fed in four pieces.
TEST(HasherTest, Xxh3UpstreamSelfTest) {
  std::string buf(32816, ' ');
  for (size_t j = 0; j < buf.size(); ++j) buf[j] = static_cast<char>(' ' + j % 96);
  Hasher h(ChecksumType::kXxh3_64);
  h.update(as_bytes(std::string_view(buf)));
  h.update(as_bytes(std::string_view(buf).substr(0, 31152)));
  h.update(as_bytes(std::string_view(buf).substr(0, 32474)));
  h.update(as_bytes(std::string_view(buf).substr(0, 9322)));
  uint8_t out[8];
  h.finish(out);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | out[i];
  EXPECT_EQ(v, 0xadbcf16d4678d1deULL);
}

TEST(HasherTest, ShaFamilyLengths) {
  EXPECT_EQ(hex(ChecksumType::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(ChecksumType::kSha256, "abc").substr(0, 16), "ba7816bf8f01cfea");
  EXPECT_EQ(hex(ChecksumType::kSha512, "abc").size(), 128u);
}

TEST(HasherTest, DigestLengths) {
  EXPECT_EQ(digest_len(ChecksumType::kNone), 1);
  EXPECT_EQ(digest_len(ChecksumType::kMd4Archaic, true), 2);
  EXPECT_EQ(digest_len(ChecksumType::kMd4Archaic), 16);
  EXPECT_EQ(digest_len(ChecksumType::kXxh64), 8);
  EXPECT_EQ(digest_len(ChecksumType::kXxh3_128), 16);
  EXPECT_EQ(digest_len(ChecksumType::kSha1), 20);
}

}  // namespace
}  // namespace crsync::checksum
