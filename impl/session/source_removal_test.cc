#include "session/source_removal.h"

#include <gtest/gtest.h>

namespace crsync::session {
namespace {

flist::FileEntry listed() {
  flist::FileEntry e;
  e.name = "d/f";
  e.size = 10;
  e.mtime = 1700000000;
  e.mtime_nsec = 5;
  return e;
}

struct stat now_stat() {
  struct stat st {};
  st.st_size = 10;
  st.st_mtim.tv_sec = 1700000000;
  st.st_mtim.tv_nsec = 5;
  st.st_dev = 7;
  st.st_ino = 99;
  return st;
}

TEST(SourceRemovalTest, UnchangedFileIsRemoved) {
  EXPECT_EQ(judge_removal(listed(), now_stat(), 32, {}), RemovalVerdict::kRemove);
}

TEST(SourceRemovalTest, ChangedSizeOrTimeIsKept) {
  struct stat st = now_stat();
  st.st_size = 11;
  EXPECT_EQ(judge_removal(listed(), st, 32, {}), RemovalVerdict::kChanged);
  st = now_stat();
  st.st_mtim.tv_sec += 1;
  EXPECT_EQ(judge_removal(listed(), st, 32, {}), RemovalVerdict::kChanged);
}

// The list carries nanoseconds from protocol 31 only.
TEST(SourceRemovalTest, NanosecondsCountFrom31) {
  struct stat st = now_stat();
  st.st_mtim.tv_nsec = 6;
  EXPECT_EQ(judge_removal(listed(), st, 31, {}), RemovalVerdict::kChanged);
  flist::FileEntry old = listed();
  old.mtime_nsec = 0;  // what a list below 31 holds
  EXPECT_EQ(judge_removal(old, st, 30, {}), RemovalVerdict::kRemove);
}

// A local copy onto itself: the receiver's file is the source.
TEST(SourceRemovalTest, DestinationFileIsNeverRemoved) {
  DestIdentity same{true, 7, 99};
  EXPECT_EQ(judge_removal(listed(), now_stat(), 32, same), RemovalVerdict::kIsDestination);
  DestIdentity other{true, 7, 100};
  EXPECT_EQ(judge_removal(listed(), now_stat(), 32, other), RemovalVerdict::kRemove);
}

TEST(SourceRemovalTest, PayloadRoundTrip) {
  int32_t ndx = 0;
  DestIdentity d;
  const Bytes remote = success_payload(42, {});
  ASSERT_EQ(remote.size(), 4u);
  ASSERT_TRUE(parse_success_payload(ByteSpan(remote), &ndx, &d));
  EXPECT_EQ(ndx, 42);
  EXPECT_FALSE(d.known);
  const Bytes local = success_payload(7, {true, 0x0102030405060708LL, 3});
  ASSERT_EQ(local.size(), 20u);
  EXPECT_EQ(local[4], 0x08);  // little-endian, as upstream's SIVAL64
  ASSERT_TRUE(parse_success_payload(ByteSpan(local), &ndx, &d));
  EXPECT_EQ(ndx, 7);
  EXPECT_TRUE(d.known);
  EXPECT_EQ(d.dev, 0x0102030405060708LL);
  EXPECT_EQ(d.ino, 3);
  const Bytes bad(7, 0);
  EXPECT_FALSE(parse_success_payload(ByteSpan(bad), &ndx, &d));
}

}  // namespace
}  // namespace crsync::session
