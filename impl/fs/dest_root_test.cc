#include "fs/dest_root.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace crsync::fs {
namespace {

namespace stdfs = std::filesystem;

class DestRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crsync-destroot-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    stdfs::create_directories(top_ / "dst" / "real");
    stdfs::create_directories(top_ / "outside");
    stdfs::create_symlink("../outside", top_ / "dst" / "out");
    stdfs::create_symlink("real", top_ / "dst" / "in");
    stdfs::create_symlink("../../outside", top_ / "outside" / "loop");
  }
  void TearDown() override { stdfs::remove_all(top_); }

  DestRoot open_root() {
    auto r = DestRoot::open((top_ / "dst").string(), false);
    EXPECT_TRUE(r.ok());
    return std::move(*r);
  }

  stdfs::path top_;
};

// Without -K no symlink on the way is followed.
TEST_F(DestRootTest, SymlinkedDirectoriesAreRefused) {
  DestRoot d = open_root();
  Fd parent;
  std::string base;
  EXPECT_FALSE(d.open_parent("out/file", &parent, &base).ok());
  EXPECT_FALSE(d.open_parent("in/file", &parent, &base).ok());
  struct stat st {};
  bool exists = false;
  ASSERT_TRUE(d.lstat("out", &st, &exists).ok());
  EXPECT_TRUE(exists && S_ISLNK(st.st_mode));
}

// A kept dirlink resolves to its directory, wherever it points; its own
// name is still the symlink's for the parent, and lstat gives the target.
TEST_F(DestRootTest, AKeptDirlinkLeadsToItsDirectory) {
  DestRoot d = open_root();
  d.add_dirlink("out", Fd(::open((top_ / "outside").c_str(), O_PATH | O_DIRECTORY)));
  EXPECT_TRUE(d.is_dirlink("out"));
  Fd parent;
  std::string base;
  ASSERT_TRUE(d.open_parent("out/file", &parent, &base).ok());
  EXPECT_EQ(base, "file");
  const int fd = ::openat(parent.get(), base.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_TRUE(stdfs::exists(top_ / "outside" / "file"));
  ASSERT_TRUE(d.open_parent("out", &parent, &base).ok());
  EXPECT_EQ(base, "out");
  struct stat st {};
  bool exists = false;
  ASSERT_TRUE(d.lstat("out", &st, &exists).ok());
  EXPECT_TRUE(exists && S_ISDIR(st.st_mode));
  auto dir = d.open_rel("out", O_RDONLY | O_DIRECTORY);
  EXPECT_TRUE(dir.ok());
}

// Only the kept link is followed: another symlink beneath it is not.
TEST_F(DestRootTest, SymlinksBeneathAKeptDirlinkAreStillRefused) {
  DestRoot d = open_root();
  d.add_dirlink("out", Fd(::open((top_ / "outside").c_str(), O_PATH | O_DIRECTORY)));
  Fd parent;
  std::string base;
  EXPECT_FALSE(d.open_parent("out/loop/file", &parent, &base).ok());
  EXPECT_FALSE(d.open_parent("in/file", &parent, &base).ok());
  EXPECT_FALSE(d.open_parent("out/../../etc/passwd", &parent, &base).ok());
}

// The receiver's parent cache: consecutive names in one directory share a
// descriptor; a directory replaced after forget_lstat_dir (what the
// generator calls when it removes or replaces one) is resolved afresh, so a
// symlink put in its place is refused as open_parent refuses it.
TEST_F(DestRootTest, ParentCacheIsReusedAndForgottenWithTheLstatDirectory) {
  DestRoot d = open_root();
  DestRoot::ParentCache cache;
  int p1 = -1, p2 = -1;
  std::string base;
  ASSERT_TRUE(d.cached_parent("real/a", &cache, &p1, &base).ok());
  EXPECT_EQ(base, "a");
  ASSERT_TRUE(d.cached_parent("real/b", &cache, &p2, &base).ok());
  EXPECT_EQ(base, "b");
  EXPECT_EQ(p1, p2);  // no new open for the second name
  struct stat st1 {
  }, st2{};
  ASSERT_EQ(::fstat(p2, &st1), 0);
  ASSERT_EQ(::stat((top_ / "dst" / "real").c_str(), &st2), 0);
  EXPECT_EQ(st1.st_ino, st2.st_ino);

  // Top-level names use the root's own directory.
  ASSERT_TRUE(d.cached_parent("top", &cache, &p1, &base).ok());
  EXPECT_EQ(base, "top");

  ASSERT_TRUE(d.cached_parent("real/c", &cache, &p1, &base).ok());
  stdfs::rename(top_ / "dst" / "real", top_ / "dst" / "old");
  stdfs::create_symlink("../outside", top_ / "dst" / "real");
  d.forget_lstat_dir();
  EXPECT_FALSE(d.cached_parent("real/d", &cache, &p2, &base).ok());
  EXPECT_FALSE(d.cached_parent("real/..", &cache, &p2, &base).ok());
}

}  // namespace
}  // namespace crsync::fs
