#include "wire/negotiate.h"

#include <gtest/gtest.h>

namespace crsync::wire {
namespace {

TEST(NegotiateTest, DefaultListsMatchUpstream341) {
  EXPECT_EQ(default_name_list(NameKind::kChecksum, false), "xxh128 xxh3 xxh64 md5 md4 sha1");
  EXPECT_EQ(default_name_list(NameKind::kChecksum, true), "xxh128 xxh3 xxh64 md5 md4 sha1 none");
  EXPECT_EQ(default_name_list(NameKind::kCompress, false), "zstd lz4 zlibx zlib");
  EXPECT_EQ(default_name_list(NameKind::kCompress, true), "zstd lz4 zlibx zlib none");
}

TEST(NegotiateTest, FirstClientChoiceTheServerHasWins) {
  auto r = negotiate_names(NameKind::kChecksum, "xxh128 xxh3 xxh64 md5 md4 sha1",
                           "xxh128 xxh3 xxh64 md5 md4 sha1 none");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "xxh128");
  // The server's order does not matter; the client's does.
  r = negotiate_names(NameKind::kChecksum, "md4 md5", "md5 md4");
  EXPECT_EQ(*r, "md4");
  // An older server without xxh3.
  r = negotiate_names(NameKind::kChecksum, "xxh128 xxh3 xxh64 md5", "xxh64 md5 md4 none");
  EXPECT_EQ(*r, "xxh64");
  // Aliases count as their main name.
  r = negotiate_names(NameKind::kChecksum, "xxhash", "xxh64");
  EXPECT_EQ(*r, "xxh64");
  r = negotiate_names(NameKind::kCompress, "zstd lz4 zlibx zlib", "zlib zlibx");
  EXPECT_EQ(*r, "zlibx");
}

TEST(NegotiateTest, NoCommonNameIsUnsupported) {
  auto r = negotiate_names(NameKind::kCompress, "zstd", "zlib none");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().exit_status(), 4);
  EXPECT_EQ(r.status().message(), "Failed to negotiate a compress choice.");
}

TEST(NegotiateTest, CleanUserList) {
  EXPECT_EQ(clean_name_list(NameKind::kChecksum, " md5  xxhash md5 bogus xxh64 "), "md5 xxh64");
  EXPECT_EQ(clean_name_list(NameKind::kChecksum, "bogus"), "INVALID");
  EXPECT_EQ(clean_name_list(NameKind::kCompress, ""), "");
}

TEST(NegotiateTest, ImpliedChoices) {
  EXPECT_EQ(implied_checksum(32), checksum::ChecksumType::kMd5);
  EXPECT_EQ(implied_checksum(30), checksum::ChecksumType::kMd5);
  EXPECT_EQ(implied_checksum(29), checksum::ChecksumType::kMd4Old);
  EXPECT_EQ(implied_checksum(28), checksum::ChecksumType::kMd4Old);
  EXPECT_EQ(implied_checksum(26), checksum::ChecksumType::kMd4Busted);
}

}  // namespace
}  // namespace crsync::wire
