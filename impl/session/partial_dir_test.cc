#include "session/partial_dir.h"

#include <gtest/gtest.h>

namespace crsync::session {
namespace {

// The values upstream's clean_fname(CFN_COLLAPSE_DOT_DOT_DIRS) gives.
TEST(PartialDirTest, CleanPathAsUpstream) {
  EXPECT_EQ(clean_path(".rsync-partial"), ".rsync-partial");
  EXPECT_EQ(clean_path("./p//q/"), "p/q");
  EXPECT_EQ(clean_path("a/../b"), "b");
  EXPECT_EQ(clean_path("a/b/../../c"), "c");
  EXPECT_EQ(clean_path("../p"), "../p");
  EXPECT_EQ(clean_path("../../p/./"), "../../p");
  EXPECT_EQ(clean_path("/tmp/../p"), "/p");
  EXPECT_EQ(clean_path("/../p"), "/p");
  EXPECT_EQ(clean_path("."), ".");
  EXPECT_EQ(clean_path("./"), ".");
  EXPECT_EQ(clean_path("a/.."), ".");
  EXPECT_EQ(clean_path("/"), "/");
}

TEST(PartialDirTest, PartialFileName) {
  EXPECT_EQ(partial_file_name(".p", "f"), ".p/f");
  EXPECT_EQ(partial_file_name(".p", "a/b/f"), "a/b/.p/f");
  EXPECT_EQ(partial_file_name("x/y", "a/f"), "a/x/y/f");
  EXPECT_EQ(partial_file_name("/abs/p", "a/b/f"), "/abs/p/f");
  EXPECT_EQ(partial_file_name("/", "a/f"), "/f");
}

TEST(PartialDirTest, ComponentsStayBeneathTheFilesDirectory) {
  EXPECT_EQ(partial_dir_components(".p"), (std::vector<std::string>{".p"}));
  EXPECT_EQ(partial_dir_components("x/y"), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(partial_dir_components("/abs").empty());
  EXPECT_TRUE(partial_dir_components("../p").empty());
  EXPECT_TRUE(partial_dir_components("x/../../p").empty());
}

}  // namespace
}  // namespace crsync::session
