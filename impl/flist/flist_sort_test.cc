#include "flist/flist_sort.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace crsync::flist
