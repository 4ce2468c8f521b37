#include "fs/fake_super.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace crsync::fs {
namespace {

namespace stdfs = std::filesystem;

TEST(FakeSuperFormatTest, TextIsUpstreams) {
  EXPECT_EQ(format_fake_stat({0104755, 0, 0, 1234, 5678}), "104755 0,0 1234:5678");
  EXPECT_EQ(format_fake_stat({020644, 4, 65, 0, 0}), "20644 4,65 0:0");
  EXPECT_EQ(format_fake_stat({0120777, 0, 0, 4294967294u, 7}), "120777 0,0 4294967294:7");
}

TEST(FakeSuperFormatTest, RoundTrip) {
  for (const FakeStat s : {FakeStat{0100604, 0, 0, 0, 0}, FakeStat{040711, 0, 0, 1, 2},
                           FakeStat{060660, 8, 1, 65534, 65534}, FakeStat{010644, 0, 0, 9, 9},
                           FakeStat{0140755, 0, 0, 1000, 1000}}) {
    const auto back = parse_fake_stat(format_fake_stat(s));
    ASSERT_TRUE(back.has_value()) << format_fake_stat(s);
    EXPECT_EQ(*back, s);
  }
}

// sscanf("%o %d,%d %d:%d") takes blanks before numbers, signs, and ignores
// what follows the fifth number.
TEST(FakeSuperFormatTest, ParsesAsSscanfDoes) {
  auto s = parse_fake_stat("  100644\t1 ,2 3:4 trailing");
  EXPECT_FALSE(s.has_value());  // no blank may stand before ','
  s = parse_fake_stat("  100644\t1, 2 3:4 trailing");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, (FakeStat{0100644, 1, 2, 3, 4}));
  s = parse_fake_stat("100644 0,0 -1:+5");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->uid, 4294967295u);
  EXPECT_EQ(s->gid, 5u);
  s = parse_fake_stat("100644+7,0 1:2");  // the blank matches none
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->mode, 0100644u);
  EXPECT_EQ(s->rdev_major, 7u);
  EXPECT_FALSE(parse_fake_stat("1006440,0 1:2").has_value());
}

// What upstream calls a corrupt value (fewer than five numbers).
TEST(FakeSuperFormatTest, MalformedValues) {
  for (const char* bad : {"", "garbage", "100644", "100644 0,0", "100644 0,0 1", "100644 0;0 1:2",
                          "100644 0,0 1-2", "9 0,0 1:2", "100644 0,0 1:", "\0 100644 0,0 1:2"})
    EXPECT_FALSE(parse_fake_stat(std::string_view(bad)).has_value()) << bad;
  EXPECT_FALSE(parse_fake_stat(std::string_view("100644 0,0 1:\0"
                                                "2",
                                                14))
                   .has_value());
}

class FakeSuperFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crsync-fakesuper-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    dir_ = ::open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir_, 0);
  }
  void TearDown() override {
    ::close(dir_);
    stdfs::remove_all(top_);
  }
  std::optional<std::string> value(const std::string& name) {
    char buf[256];
    const ssize_t n = ::lgetxattr((top_ / name).c_str(), kFakeStatXattr, buf, sizeof buf);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }
  struct stat lstat_of(const std::string& name) {
    struct stat st {};
    EXPECT_EQ(::fstatat(dir_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW), 0);
    return st;
  }
  stdfs::path top_;
  int dir_ = -1;
};

TEST_F(FakeSuperFileTest, StoresOnlyWhatTheFileCannotSay) {
  ASSERT_EQ(make_fake_file(dir_, "f", ""), 0);
  std::string err;
  const uid_t me = ::geteuid();
  const gid_t my_gid = ::getegid();
  // Plain permissions and our own ids: nothing stored.
  ASSERT_TRUE(store_fake_stat(dir_, "f", -1, 0100604, 0, me, my_gid, "f", &err)) << err;
  EXPECT_FALSE(value("f").has_value());
  EXPECT_EQ(lstat_of("f").st_mode, 0100604u);
  // setuid: stored; the file keeps 0755.
  ASSERT_TRUE(store_fake_stat(dir_, "f", -1, 0104755, 0, me, my_gid, "f", &err)) << err;
  EXPECT_EQ(value("f"), format_fake_stat({0104755, 0, 0, me, my_gid}));
  EXPECT_EQ(lstat_of("f").st_mode, 0100755u);
  // No owner read/write: stored, the file gets them.
  ASSERT_TRUE(store_fake_stat(dir_, "f", -1, 0100044, 0, me, my_gid, "f", &err)) << err;
  EXPECT_EQ(value("f"), "100044 0,0 " + std::to_string(me) + ":" + std::to_string(my_gid));
  EXPECT_EQ(lstat_of("f").st_mode, 0100644u);
  // Back to what the file says: removed.
  ASSERT_TRUE(store_fake_stat(dir_, "f", -1, 0100644, 0, me, my_gid, "f", &err)) << err;
  EXPECT_FALSE(value("f").has_value());
}

TEST_F(FakeSuperFileTest, DeviceAndOverlay) {
  ASSERT_EQ(make_fake_file(dir_, "dev", ""), 0);
  std::string err;
  ASSERT_TRUE(store_fake_stat(dir_, "dev", -1, 020640, makedev(1, 3), 1234, 5678, "dev", &err))
      << err;
  EXPECT_EQ(value("dev"), "20640 1,3 1234:5678");
  EXPECT_EQ(lstat_of("dev").st_mode, 0100640u);
  struct stat st = lstat_of("dev");
  ASSERT_TRUE(overlay_fake_stat(dir_, "dev", &st, "dev").ok());
  EXPECT_EQ(st.st_mode, 020640u);
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  struct stat st2 {};
  ASSERT_EQ(::lstat((top_ / "dev").c_str(), &st2), 0);
  ASSERT_TRUE(overlay_fake_stat_path((top_ / "dev").string(), &st2).ok());
  EXPECT_EQ(st2.st_mode, 020640u);
}

TEST_F(FakeSuperFileTest, CorruptValueIsAFileIoError) {
  ASSERT_EQ(make_fake_file(dir_, "c", ""), 0);
  ASSERT_EQ(::lsetxattr((top_ / "c").c_str(), kFakeStatXattr, "junk", 4, 0), 0);
  struct stat st = lstat_of("c");
  const Status s = overlay_fake_stat(dir_, "c", &st, "c");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.exit_status(), 11);
  EXPECT_NE(s.message().find("Corrupt user.rsync.%stat xattr attached to \"c\": \"junk\""),
            std::string::npos)
      << s.message();
}

TEST_F(FakeSuperFileTest, SymlinkAsAFile) {
  ASSERT_EQ(make_fake_file(dir_, "l", "some/target"), 0);
  char buf[64];
  ASSERT_EQ(read_fake_link(dir_, "l", buf, sizeof buf, false), 11);
  EXPECT_EQ(std::string(buf, 11), "some/target");
  ASSERT_EQ(::symlinkat("real/target", dir_, "rl"), 0);
  // A real symlink: nothing on the receiving side, its target on the sender.
  EXPECT_EQ(read_fake_link(dir_, "rl", buf, sizeof buf, false), 0);
  ASSERT_EQ(read_fake_link_path((top_ / "rl").string(), buf, sizeof buf, true), 11);
  EXPECT_EQ(std::string(buf, 11), "real/target");
  // A real symlink's stat is its own (no user xattrs on symlinks).
  struct stat st = lstat_of("rl");
  ASSERT_TRUE(overlay_fake_stat(dir_, "rl", &st, "rl").ok());
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

}  // namespace
}  // namespace crsync::fs
