#include "flist/flist_sort.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace crsync::flist {
namespace {

FileEntry f(std::string name) {
  FileEntry e;
  e.name = std::move(name);
  e.mode = kModeReg | 0644;
  return e;
}
FileEntry d(std::string name) {
  FileEntry e;
  e.name = std::move(name);
  e.mode = kModeDir | 0755;
  return e;
}

std::vector<std::string> names(const std::vector<FileEntry>& l) {
  std::vector<std::string> out;
  for (const auto& e : l) out.push_back(e.name);
  return out;
}

// "a.b/" sorts before "a/" because '.' < '/'.
TEST(FlistSortTest, FilesBeforeDirsAtEachLevelFrom29) {
  std::vector<FileEntry> l = {d("many"), f("private.txt"), d("bin"), f("exec.sh"),
                              d("."),    f("bin/x"),       d("a.b"), d("a"),
                              f("a/z"),  d("a/sub"),       f("zz")};
  sort_file_list(l, 32);
  EXPECT_EQ(names(l), (std::vector<std::string>{".", "exec.sh", "private.txt", "zz", "a.b", "a",
                                                "a/z", "a/sub", "bin", "bin/x", "many"}));
}

TEST(FlistSortTest, PlainPathOrderBelow29) {
  std::vector<FileEntry> l = {d("a"), f("a.b"), f("a/z"), f("Z")};
  sort_file_list(l, 28);
  EXPECT_EQ(names(l), (std::vector<std::string>{"Z", "a", "a.b", "a/z"}));
}

// The reference model: the definition written out plainly, each name split
// into its levels up front and directory names compared with a real '/'
// appended (how f_name_cmp was written before it stopped allocating).
int model_cmp(const FileEntry& a, const FileEntry& b) {
  struct L {
    std::string name;
    bool path;
  };
  const auto split = [](const FileEntry& e) {
    std::vector<L> out;
    std::string_view n = e.name;
    size_t i = 0;
    for (;;) {
      const size_t j = n.find('/', i);
      if (j == std::string_view::npos) {
        const std::string last(n.substr(i));
        out.push_back(is_dir(e.mode) && last == "." ? L{"", false} : L{last, is_dir(e.mode)});
        return out;
      }
      out.push_back({std::string(n.substr(i, j - i)), true});
      i = j + 1;
    }
  };
  const auto sign = [](int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); };
  const auto la = split(a), lb = split(b);
  for (size_t i = 0; i < la.size() && i < lb.size(); ++i) {
    if (la[i].path != lb[i].path) return la[i].path ? 1 : -1;
    if (la[i].name != lb[i].name) {
      if (!la[i].path) return sign(la[i].name.compare(lb[i].name));
      return sign((la[i].name + "/").compare(lb[i].name + "/"));
    }
  }
  return la.size() == lb.size() ? 0 : (la.size() < lb.size() ? -1 : 1);
}

// Names from a small alphabet around '/' ('-' and '.' sort below it, '0'
// and 'a' above, 0xff at the top), so prefixes, equal components and
// every side of the trailing-slash rule come up often.
FileEntry random_entry() {
  const std::string alphabet = std::string("a-./0") + '\xff';
  const size_t len = *rc::gen::inRange<size_t>(1, 9);
  std::string name;
  for (size_t i = 0; i < len; ++i) name += alphabet[*rc::gen::inRange<size_t>(0, alphabet.size())];
  if (*rc::gen::inRange(0, 8) == 0) name = ".";
  return *rc::gen::arbitrary<bool>() ? d(name) : f(name);
}

RC_GTEST_PROP(FlistSortProp, ComparisonEqualsTheModel, ()) {
  const FileEntry a = random_entry();
  const FileEntry b = *rc::gen::inRange(0, 4) == 0 ? a : random_entry();
  RC_ASSERT(f_name_cmp(a, b, 32) == model_cmp(a, b));
  RC_ASSERT(f_name_cmp(b, a, 32) == -model_cmp(a, b));
}

}  // namespace
}  // namespace crsync::flist
