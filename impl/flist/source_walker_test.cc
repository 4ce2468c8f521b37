#include "flist/source_walker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace crsync::flist {
namespace {

using Names = std::vector<std::string>;

// A scratch tree; the walker is given paths below it.
class WalkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crsync-walker-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    // src/a/b/c/f.txt, src/a/b/g.txt, src/x/y.txt, src/top.txt, src/d/
    for (const char* d : {"src", "src/a", "src/a/b", "src/a/b/c", "src/x", "src/d"})
      ASSERT_EQ(::mkdir(path(d).c_str(), 0755), 0);
    for (const char* f : {"src/a/b/c/f.txt", "src/a/b/g.txt", "src/x/y.txt", "src/top.txt"}) {
      const int fd = ::open(path(f).c_str(), O_CREAT | O_WRONLY, 0644);
      ASSERT_GE(fd, 0);
      ::close(fd);
    }
  }
  void TearDown() override { (void)std::system(("rm -rf '" + root_ + "'").c_str()); }

  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  WalkOptions relative_opts(int protocol = 32) const {
    WalkOptions o;
    o.relative = true;
    o.protocol = protocol;
    return o;
  }

  static Names names(const WalkResult& r) {
    Names out;
    for (const auto& e : r.entries) out.push_back(e.entry.name);
    return out;
  }
  static const SendEntry& find(const WalkResult& r, const std::string& name) {
    for (const auto& e : r.entries)
      if (e.entry.name == name) return e;
    ADD_FAILURE() << "no entry " << name;
    return r.entries.front();
  }

  std::string root_;
};

TEST_F(WalkerTest, RelativeNameKeepsItsPathAfterImpliedDirs) {
  WalkResult r;
  ASSERT_TRUE(walk_sources({path("./src/a/b/c/f.txt")}, relative_opts(), &r).ok());
  // "<root>/./src/..." sends "src/..." read from <root>.
  EXPECT_EQ(names(r), (Names{"src", "src/a", "src/a/b", "src/a/b/c", "src/a/b/c/f.txt"}));
  for (size_t i = 0; i + 1 < r.entries.size(); ++i) {
    EXPECT_TRUE(r.entries[i].role.implied_dir) << r.entries[i].entry.name;
    EXPECT_FALSE(r.entries[i].role.top_dir);
    EXPECT_FALSE(r.entries[i].role.content_dir);
  }
  const SendEntry& f = r.entries.back();
  EXPECT_FALSE(f.role.implied_dir);
  EXPECT_EQ(f.local_path, root_ + "/src/a/b/c/f.txt");
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(WalkerTest, ImpliedDirsSharedWithThePreviousPathAreSentOnce) {
  // Upstream's observed list for "src/a/b/c/f.txt src/x src/a/b/g.txt".
  WalkOptions o = relative_opts();
  o.recursive = true;
  WalkResult r;
  ASSERT_TRUE(
      walk_sources({path("./src/a/b/c/f.txt"), path("./src/x"), path("./src/a/b/g.txt")}, o, &r)
          .ok());
  EXPECT_EQ(names(r), (Names{"src", "src/a", "src/a/b", "src/a/b/c", "src/a/b/c/f.txt", "src/x",
                             "src/x/y.txt", "src/a/b/g.txt"}));
  // The argument directory with -r is a top, content directory.
  EXPECT_TRUE(find(r, "src/x").role.top_dir);
  EXPECT_TRUE(find(r, "src/x").role.content_dir);
  EXPECT_FALSE(find(r, "src/x").role.implied_dir);
  EXPECT_FALSE(find(r, "src/x/y.txt").role.top_dir);
}

TEST_F(WalkerTest, ADivergingPathSendsOnlyTheNewComponents) {
  WalkResult r;
  ASSERT_TRUE(
      walk_sources({path("./src/a/b/g.txt"), path("./src/x/y.txt")}, relative_opts(), &r).ok());
  EXPECT_EQ(names(r), (Names{"src", "src/a", "src/a/b", "src/a/b/g.txt", "src/x", "src/x/y.txt"}));
}

TEST_F(WalkerTest, DotMarkerSetsWhereTheSentPathStarts) {
  WalkResult r;
  ASSERT_TRUE(
      walk_sources({path("src/./a/b/g.txt"), path("src/a/./b/c/f.txt")}, relative_opts(), &r).ok());
  // Each is read below its own prefix.
  EXPECT_EQ(names(r), (Names{"a", "a/b", "a/b/g.txt", "b", "b/c", "b/c/f.txt"}));
  EXPECT_EQ(find(r, "b/c").local_path, root_ + "/src/a/b/c");
  EXPECT_EQ(find(r, "b/c").base_dir, root_ + "/src/a");
  EXPECT_EQ(find(r, "a/b/g.txt").base_dir, root_ + "/src");
}

TEST_F(WalkerTest, LeadingDotSlashAfterTheMarkerSendsTheRootOnce) {
  WalkResult r;
  ASSERT_TRUE(
      walk_sources({path("src/././x/y.txt"), path("src/./top.txt")}, relative_opts(), &r).ok());
  EXPECT_EQ(names(r), (Names{".", "x", "x/y.txt", "top.txt"}));
  EXPECT_TRUE(r.entries[0].role.implied_dir);
  EXPECT_FALSE(r.entries[0].role.content_dir);
}

TEST_F(WalkerTest, NoImpliedDirsOnlyBelowProtocol30) {
  WalkOptions o = relative_opts(29);
  o.implied_dirs = false;
  WalkResult r;
  ASSERT_TRUE(walk_sources({path("./src/a/b/g.txt")}, o, &r).ok());
  EXPECT_EQ(names(r), (Names{"src/a/b/g.txt"}));
  // From 30 the sender always sends them, flagged, and the receiver skips
  // them.
  o.protocol = 30;
  WalkResult r30;
  ASSERT_TRUE(walk_sources({path("./src/a/b/g.txt")}, o, &r30).ok());
  EXPECT_EQ(names(r30), (Names{"src", "src/a", "src/a/b", "src/a/b/g.txt"}));
}

TEST_F(WalkerTest, TrailingSlashWithDirsScansOneLevel) {
  WalkOptions o = relative_opts();
  o.dirs = true;
  WalkResult r;
  ASSERT_TRUE(walk_sources({path("./src/a/b/"), path("./src/x")}, o, &r).ok());
  Names n = names(r);
  ASSERT_GE(n.size(), 5u);
  EXPECT_EQ(Names(n.begin(), n.begin() + 3), (Names{"src", "src/a", "src/a/b"}));
  // src/a/b is the argument itself (TOP|CONTENT), scanned one level; src/x
  // (no slash) is sent alone.
  EXPECT_TRUE(find(r, "src/a/b").role.content_dir);
  Names scanned(n.begin() + 3, n.end() - 1);
  std::sort(scanned.begin(), scanned.end());
  EXPECT_EQ(scanned, (Names{"src/a/b/c", "src/a/b/g.txt"}));
  EXPECT_FALSE(find(r, "src/a/b/c").role.content_dir);
  EXPECT_EQ(n.back(), "src/x");
  EXPECT_FALSE(find(r, "src/x").role.content_dir);
  EXPECT_FALSE(find(r, "src/x").role.top_dir);
}

TEST_F(WalkerTest, AbsoluteNameKeepsItsLeadingSlash) {
  // No marker: the whole path is sent, each leading directory implied (the
  // receiver strips the leading slash).
  WalkResult r;
  ASSERT_TRUE(walk_sources({path("src/top.txt")}, relative_opts(), &r).ok());
  Names want;
  for (size_t p = root_.find('/', 1); p != std::string::npos; p = root_.find('/', p + 1))
    want.push_back(root_.substr(0, p));
  want.push_back(root_);
  want.push_back(root_ + "/src");
  want.push_back(root_ + "/src/top.txt");
  EXPECT_EQ(names(r), want);
  EXPECT_EQ(want.front(), "/tmp");
}

TEST_F(WalkerTest, DirectoryWithoutRecursionOrDirsIsSkipped) {
  WalkResult r;
  ASSERT_TRUE(walk_sources({path("./src/a/b")}, relative_opts(), &r).ok());
  EXPECT_TRUE(r.entries.empty());
  EXPECT_EQ(r.infos, (std::vector<std::string>{"skipping directory src/a/b"}));
}

TEST_F(WalkerTest, MissingArgumentSendsNoImpliedDirs) {
  WalkResult r;
  ASSERT_TRUE(walk_sources({path("./src/a/nope.txt")}, relative_opts(), &r).ok());
  EXPECT_TRUE(r.entries.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("link_stat"), std::string::npos);
}

TEST_F(WalkerTest, DotDotInTheRelativePartIsFatal) {
  WalkResult r;
  Status s = walk_sources({path("./src/a/../x")}, relative_opts(), &r);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(s.message(), "found \"..\" dir in relative path: src/a/../x");
  // Before the marker it is just part of the directory read from.
  WalkResult ok;
  EXPECT_TRUE(walk_sources({path("src/a/../x/./y.txt")}, relative_opts(), &ok).ok());
  EXPECT_EQ(names(ok), (Names{"y.txt"}));
}

TEST_F(WalkerTest, UnusableMarkerDirSkipsTheArgument) {
  WalkResult r;
  ASSERT_TRUE(walk_sources({path("nodir/./a"), path("src/./top.txt")}, relative_opts(), &r).ok());
  EXPECT_EQ(names(r), (Names{"top.txt"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("change_dir"), std::string::npos);
  EXPECT_NE(r.io_error, 0);
}

TEST_F(WalkerTest, FilesFromNamesAreRelativeToTheSource) {
  WalkOptions o = relative_opts();
  o.dirs = true;  // implied by --files-from
  WalkResult r;
  ASSERT_TRUE(walk_files_from(path("src/"),
                              {"top.txt", "a/b/g.txt", "/x/y.txt", "x/../a/b/c/", "a/./b/c/f.txt"},
                              o, &r)
                  .ok());
  // Only the last implied path is remembered: "a" and "a/b" go again after
  // "x" (the receiver drops such duplicates).
  EXPECT_EQ(names(r), (Names{"top.txt", "a", "a/b", "a/b/g.txt", "x", "x/y.txt", "a", "a/b",
                             "a/b/c", "a/b/c/f.txt", "b", "b/c", "b/c/f.txt"}));
  EXPECT_EQ(find(r, "top.txt").local_path, root_ + "/src/top.txt");
  // "x/../a/b/c/" is sanitised to "a/b/c/": a slash-ending name, so its
  // contents follow.
  EXPECT_TRUE(find(r, "a/b/c").role.content_dir);
  EXPECT_EQ(find(r, "b/c/f.txt").local_path, root_ + "/src/a/b/c/f.txt");
}

TEST_F(WalkerTest, FilesFromWithoutRelativeSendsBaseNames) {
  WalkOptions o;  // --no-relative
  o.dirs = true;
  WalkResult r;
  ASSERT_TRUE(walk_files_from(path("src"), {"a/b/g.txt", "./x/y.txt"}, o, &r).ok());
  EXPECT_EQ(names(r), (Names{"g.txt", "y.txt"}));
  EXPECT_EQ(r.entries[1].local_path, root_ + "/src/x/y.txt");
}

TEST_F(WalkerTest, FilesFromSourceMustBeADirectory) {
  WalkResult r;
  Status s = walk_files_from(path("src/top.txt"), {"x"}, relative_opts(), &r);
  EXPECT_EQ(s.exit_status(), 3);
  EXPECT_NE(s.message().find("change_dir"), std::string::npos);
}

TEST(CleanNameTest, UpstreamCleaning) {
  EXPECT_EQ(clean_name("a//b/./c/", false, false), "a/b/c");
  EXPECT_EQ(clean_name("a//b/./c/", true, false), "a/b/c/");
  EXPECT_EQ(clean_name("./a", false, false), "a");
  EXPECT_EQ(clean_name("a/.", false, false), "a/.");
  EXPECT_EQ(clean_name("a/.", true, true), "a/");
  EXPECT_EQ(clean_name("/", true, true), "/");
  EXPECT_EQ(clean_name("//x", false, false), "/x");
  EXPECT_EQ(clean_name("", false, false), ".");
  EXPECT_EQ(clean_name("./", true, true), ".");
  EXPECT_EQ(clean_name("a/../b", false, false), "a/../b");
  EXPECT_EQ(clean_name(".hidden/x", false, false), ".hidden/x");
}

TEST(SanitizeListNameTest, LeadingSlashesAndDotDots) {
  EXPECT_EQ(sanitize_list_name("/abs/path", true), "abs/path");
  EXPECT_EQ(sanitize_list_name("../x", true), "x");
  EXPECT_EQ(sanitize_list_name("a/b/../c", true), "a/c");
  EXPECT_EQ(sanitize_list_name("a/../../c", true), "c");
  EXPECT_EQ(sanitize_list_name("a//b/", true), "a/b/");
  EXPECT_EQ(sanitize_list_name("..", true), ".");
  // -R keeps "." components (the marker); without -R they go.
  EXPECT_EQ(sanitize_list_name("a/./b", true), "a/./b");
  EXPECT_EQ(sanitize_list_name("./a/./b/.", false), "a/b/");
  EXPECT_EQ(sanitize_list_name("./a", true), "./a");
}

TEST(FilesFromTextTest, LocalReaderSkipsCommentsAndEmptyLines) {
  EXPECT_EQ(split_files_from("a\n\n# c\n;d\nb c\r\nlast", false), (Names{"a", "b c", "last"}));
  using namespace std::string_literals;
  EXPECT_EQ(split_files_from("a\nb\0c\0\0#x\0"s, true), (Names{"a\nb", "c"}));
  EXPECT_TRUE(split_files_from("", false).empty());
  // Names are cut at MAXPATHLEN-1 bytes.
  const std::string longname(3000, 'n');
  ASSERT_EQ(split_files_from(longname + "\nz", false).size(), 2u);
  EXPECT_EQ(split_files_from(longname, false)[0].size(), 1023u);
}

TEST(FilesFromTextTest, WireFormIsNulTerminatedAndEndsWithAnEmptyName) {
  using namespace std::string_literals;
  EXPECT_EQ(files_from_wire_form("a\nb", false), "a\0b\0\0"s);
  EXPECT_EQ(files_from_wire_form("\n\na\r\n\nb\n", false), "a\0b\0\0"s);
  EXPECT_EQ(files_from_wire_form("", false), "\0"s);
  // Comments go through: the reader on the other side keeps them.
  EXPECT_EQ(files_from_wire_form("#x\n", false), "#x\0\0"s);
  // With -0 line ends are part of the names.
  EXPECT_EQ(files_from_wire_form("a\nb\0\0c"s, true), "a\nb\0c\0\0"s);
}

TEST(FilesFromTextTest, ReaderStopsAtTheEmptyName) {
  using namespace std::string_literals;
  FilesFromReader r;
  EXPECT_EQ(r.feed("ab"), 2u);
  EXPECT_FALSE(r.done());
  const std::string rest = "c\0d\0\0more"s;
  EXPECT_EQ(r.feed(rest), 5u);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.names(), (Names{"abc", "d"}));
  FilesFromReader empty;
  EXPECT_EQ(empty.feed("\0x"s), 1u);
  EXPECT_TRUE(empty.done());
  EXPECT_TRUE(empty.names().empty());
}

}  // namespace
}  // namespace crsync::flist
