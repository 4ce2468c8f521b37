#include "filter/daemon_filter.h"

#include <gtest/gtest.h>

#include <map>

namespace crsync::filter {
namespace {

DaemonFilter make(const DaemonFilterParams& p, bool am_sender = true,
                  std::map<std::string, std::string> files = {}) {
  auto f = DaemonFilter::parse(p, am_sender, [&](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return Status::Error(ExitCode::kFileIo, "No such file or directory");
    return it->second;
  });
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? *f : DaemonFilter{};
}

TEST(DaemonFilterTest, ExcludedDirectoryTakesItsContents) {
  DaemonFilterParams p;
  p.exclude = "secret/ *.key";
  const DaemonFilter f = make(p);
  EXPECT_TRUE(f.excluded("", "secret", true));
  EXPECT_FALSE(f.excluded("", "secret", false));  // a file named so is not a directory
  EXPECT_TRUE(f.excluded("", "secret/a.txt", false));
  EXPECT_TRUE(f.excluded("", "sub/secret/deep/x", false));
  EXPECT_TRUE(f.excluded("sub", "a.key", false));
  EXPECT_FALSE(f.excluded("", "public/a.txt", false));
  EXPECT_FALSE(f.excluded("", ".", true));
}

TEST(DaemonFilterTest, SlashPatternsAreFromTheModuleRoot) {
  DaemonFilterParams p;
  p.exclude = "/top.txt sub/inner.txt";
  const DaemonFilter f = make(p);
  EXPECT_TRUE(f.excluded("", "top.txt", false));
  // The transfer root "sub" is inside the module: "top.txt" there is
  // "sub/top.txt" from the module's root.
  EXPECT_FALSE(f.excluded("sub", "top.txt", false));
  EXPECT_TRUE(f.excluded("sub", "inner.txt", false));
  EXPECT_TRUE(f.excluded("./sub/", "inner.txt", false));
  EXPECT_FALSE(f.excluded("", "inner.txt", false));
}

TEST(DaemonFilterTest, OrderIsFilterIncludeFromIncludeExcludeFromExclude) {
  DaemonFilterParams p;
  p.filter = "+ keep.log";
  p.include = "*.txt";
  p.exclude_from = "/etc/x";
  p.exclude = "*";
  const DaemonFilter f = make(p, true, {{"/etc/x", "# comment\n+ *.md\n*.txt\n"}});
  EXPECT_FALSE(f.excluded("", "keep.log", false));
  EXPECT_FALSE(f.excluded("", "a.txt", false));
  EXPECT_FALSE(f.excluded("", "a.md", false));
  EXPECT_TRUE(f.excluded("", "other.log", false));
}

TEST(DaemonFilterTest, SenderSideRulesAreDropped) {
  DaemonFilterParams p;
  p.filter = "H hidden P protected";
  // Upstream parses the list before it knows the direction: as a receiver.
  for (const bool am_sender : {true, false}) {
    const DaemonFilter f = make(p, am_sender);
    EXPECT_FALSE(f.excluded("", "hidden", false));
    EXPECT_TRUE(f.excluded("", "protected", false));
  }
}

TEST(DaemonFilterTest, ClearAndMissingFile) {
  DaemonFilterParams p;
  p.include = "a";
  p.exclude = "b ! c";
  const DaemonFilter f = make(p);
  EXPECT_FALSE(f.excluded("", "b", false));
  EXPECT_TRUE(f.excluded("", "c", false));
  DaemonFilterParams q;
  q.include_from = "/missing";
  auto bad = DaemonFilter::parse(q, true, [](const std::string&) -> Result<std::string> {
    return Status::Error(ExitCode::kFileIo, "No such file or directory");
  });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().exit_code(), ExitCode::kFileIo);
}

TEST(DaemonFilterTest, PathExcludedChecksLeadingDirectories) {
  DaemonFilterParams p;
  p.exclude = "priv/";
  const DaemonFilter f = make(p);
  EXPECT_TRUE(f.path_excluded("priv/x/y", true));
  EXPECT_TRUE(f.path_excluded("priv", false));
  EXPECT_FALSE(f.path_excluded("priv", true));
  EXPECT_FALSE(f.path_excluded("pub/x", false));
  EXPECT_EQ(module_relative("/./a//b/./c/"), "a/b/c");
}

}  // namespace
}  // namespace crsync::filter
