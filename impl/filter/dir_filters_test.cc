#include "filter/dir_filters.h"

#include <gtest/gtest.h>

#include <map>

namespace crsync::filter {
namespace {

// An in-memory tree of merge files: (dir, name) -> content.
struct Files {
  std::map<std::pair<std::string, std::string>, std::string> files;
  int reads = 0;
  DirFilters::Reader reader() {
    return [this](const std::string& dir, const std::string& name) -> std::optional<std::string> {
      ++reads;
      auto it = files.find({dir, name});
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
  }
};

std::vector<FilterRule> parse(std::vector<std::string> t) {
  auto r = parse_rules(t);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<FilterRule>{};
}

TEST(DirFiltersTest, RulesApplyInTheirDirectoryAndBelow) {
  Files f;
  f.files[{"", ".rules"}] = "- *.o\n";
  f.files[{"sub", ".rules"}] = "+ keep.o\n- *.tmp\n# a comment\n";
  const auto rules = parse({": .rules"});
  DirFilters d(&rules, f.reader(), "");
  d.set_root_read(true);
  EXPECT_TRUE(d.excluded("a.o", false, Side::kSender));
  EXPECT_TRUE(d.excluded("sub/deep/b.o", false, Side::kSender));  // inherited
  EXPECT_FALSE(d.excluded("sub/keep.o", false, Side::kSender));   // nearer file first
  EXPECT_TRUE(d.excluded("sub/x.tmp", false, Side::kSender));
  EXPECT_FALSE(d.excluded("x.tmp", false, Side::kSender));  // not above its directory
  EXPECT_FALSE(d.excluded("sub", true, Side::kSender));
}

TEST(DirFiltersTest, NoInheritClearAndAnchoring) {
  Files f;
  f.files[{"", ".n"}] = "- *.log\n";
  f.files[{"", ".r"}] = "- /top.txt\n- *.bak\n";
  f.files[{"a", ".r"}] = "!\n- /inner.txt\n";
  const auto nrules = parse({":n .n"});
  DirFilters n(&nrules, f.reader(), "");
  n.set_root_read(true);
  EXPECT_TRUE(n.excluded("x.log", false, Side::kSender));
  EXPECT_FALSE(n.excluded("a/x.log", false, Side::kSender));  // 'n': not inherited
  const auto rules = parse({": .r"});
  DirFilters r(&rules, f.reader(), "");
  r.set_root_read(true);
  EXPECT_TRUE(r.excluded("top.txt", false, Side::kSender));
  EXPECT_FALSE(r.excluded("b/top.txt", false, Side::kSender));  // anchored at its directory
  EXPECT_TRUE(r.excluded("b/x.bak", false, Side::kSender));
  EXPECT_FALSE(r.excluded("a/x.bak", false, Side::kSender));  // "!" hides the parent's rules
  EXPECT_TRUE(r.excluded("a/inner.txt", false, Side::kSender));
  EXPECT_FALSE(r.excluded("a/b/inner.txt", false, Side::kSender));
}

TEST(DirFiltersTest, RootFileReadOnlyWhenItsContentsAreSentOrScanned) {
  Files f;
  f.files[{"", ".rsync-filter"}] = "- *.o\n";
  f.files[{"/", ".rsync-filter"}] = "- /srv/data/secret\n";
  const auto plain = parse({": .rsync-filter"});
  DirFilters d(&plain, f.reader(), "/srv/data");
  EXPECT_FALSE(d.excluded("a.o", false, Side::kSender));
  d.set_root_read(true);
  EXPECT_TRUE(d.excluded("a.o", false, Side::kSender));
  // -F's leading '/': the directories above the root are read too, and
  // their anchored patterns see the root's own path.
  const auto scan = parse({": /.rsync-filter"});
  DirFilters s(&scan, f.reader(), "/srv/data");
  EXPECT_TRUE(s.excluded("secret", false, Side::kSender));
  EXPECT_FALSE(s.excluded("x/secret", false, Side::kSender));
}

TEST(DirFiltersTest, ModifiersOfTheMergeRule) {
  Files f;
  f.files[{"", ".ex"}] = "*.a\n*.b\n";
  f.files[{"", ".w"}] = "- one.x + two.x\n- *.x";
  f.files[{"", ".s"}] = "- hidden\n";
  f.files[{"", ".bad"}] = "-s x\n";
  const auto rules = parse({":- .ex", ":w .w", ":s .s", ":s .bad"});
  DirFilters d(&rules, f.reader(), "");
  d.set_root_read(true);
  EXPECT_TRUE(d.excluded("q.a", false, Side::kSender));  // '-': bare exclude patterns
  EXPECT_TRUE(d.excluded("one.x", false, Side::kSender));
  EXPECT_FALSE(d.excluded("two.x", false, Side::kSender));  // 'w': split on whitespace
  EXPECT_TRUE(d.excluded("hidden", false, Side::kSender));
  EXPECT_FALSE(d.excluded("hidden", false, Side::kReceiver));  // 's' from the merge rule
  EXPECT_FALSE(d.excluded("x", false, Side::kSender));
  const auto errors = d.take_errors();
  ASSERT_EQ(errors.size(), 1u);  // a side given twice
  EXPECT_NE(errors[0].find("specified-side"), std::string::npos);
}

TEST(DirFiltersTest, FilesAreReadOnce) {
  Files f;
  f.files[{"d", ".r"}] = "- x\n";
  const auto rules = parse({": .r"});
  DirFilters d(&rules, f.reader(), "");
  for (int i = 0; i < 5; ++i) d.excluded("d/x", false, Side::kSender);
  EXPECT_EQ(f.reads, 1);  // "d" only: the root is not read
}

}  // namespace
}  // namespace crsync::filter
