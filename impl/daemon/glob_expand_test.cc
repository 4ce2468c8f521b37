#include "daemon/glob_expand.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace crsync::daemon {
namespace {

// A scratch tree, made the current directory for the test's duration
// (wildcards are matched relative to the module's directory, the cwd).
class GlobExpandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/glob_expand_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_NE(::getcwd(old_, sizeof old_), nullptr);
    ASSERT_EQ(::chdir(dir_.c_str()), 0);
    for (const char* d : {"sub", "sub/deep", "src"}) ::mkdir(d, 0755);
    for (const char* f : {"a.txt", "b.txt", "c.bin", "sub/x.txt", "sub/deep/y", "src/z"})
      std::ofstream(f) << "x";
  }
  void TearDown() override {
    ASSERT_EQ(::chdir(old_), 0);
    (void)std::system(("rm -rf " + dir_).c_str());
  }
  static std::vector<std::string> expand(const std::string& arg, const GlobFilter& f = nullptr) {
    std::vector<std::string> out;
    glob_expand(arg, &out, f);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string dir_;
  char old_[4096] = {};
};

TEST_F(GlobExpandTest, MatchesEachWildcardForm) {
  EXPECT_EQ(expand("*.txt"), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(expand("?.bin"), (std::vector<std::string>{"c.bin"}));
  EXPECT_EQ(expand("[ab].txt"), (std::vector<std::string>{"a.txt", "b.txt"}));
  // A literal last name is not looked up, as upstream: src/x.txt is
  // offered and the sender will report it missing.
  EXPECT_EQ(expand("s*/x.txt"), (std::vector<std::string>{"src/x.txt", "sub/x.txt"}));
  EXPECT_EQ(expand("s?b/"), (std::vector<std::string>{"sub/"}));
  EXPECT_EQ(expand("./*.bin"), (std::vector<std::string>{"./c.bin"}));
}

TEST_F(GlobExpandTest, LaterComponentsNeedADirectory) {
  // "s*" matches sub and src, but only sub has deep/ under it.
  EXPECT_EQ(expand("s*/deep/y"), (std::vector<std::string>{"sub/deep/y"}));
  EXPECT_EQ(expand("s*/*"), (std::vector<std::string>{"src/z", "sub/deep", "sub/x.txt"}));
  // A file in the middle of the path matches nothing.
  EXPECT_EQ(expand("*.txt/x"), (std::vector<std::string>{"*.txt/x"}));
}

TEST_F(GlobExpandTest, NoMatchKeepsTheArgumentAndLiteralsPassThrough) {
  std::vector<std::string> out;
  EXPECT_FALSE(glob_expand("*.none", &out));
  EXPECT_EQ(out, (std::vector<std::string>{"*.none"}));
  // A literal final name is not checked (the sender reports it missing).
  EXPECT_EQ(expand("missing"), (std::vector<std::string>{"missing"}));
  EXPECT_EQ(expand("sub/"), (std::vector<std::string>{"sub/"}));
  EXPECT_EQ(expand("."), (std::vector<std::string>{"."}));
  // Dot entries never match a wildcard.
  EXPECT_EQ(expand(".*"), (std::vector<std::string>{".*"}));
}

TEST_F(GlobExpandTest, TheFilterHidesNames) {
  auto no_b = [](const std::string& p, bool) { return p != "b.txt"; };
  EXPECT_EQ(expand("*.txt", no_b), (std::vector<std::string>{"a.txt"}));
  auto no_dirs = [](const std::string&, bool is_dir) { return !is_dir; };
  EXPECT_EQ(expand("s*/x.txt", no_dirs), (std::vector<std::string>{"s*/x.txt"}));
}

}  // namespace
}  // namespace crsync::daemon
