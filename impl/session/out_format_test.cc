#include "session/out_format.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

flist::FileEntry entry(const char* name, uint32_t mode, int64_t size = 0, const char* target = "") {
  flist::FileEntry e;
  e.name = name;
  e.mode = mode;
  e.size = size;
  e.link_target = target;
  return e;
}

class OutFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  FormatItem item(const flist::FileEntry& e, uint32_t iflags = wire::kItemTransfer) {
    FormatItem it;
    it.file = &e;
    it.iflags = iflags;
    it.itemize.preserve_mtimes = true;
    return it;
  }
};

// Values checked against rsync 3.4.1 / 3.2.7 output.
TEST_F(OutFormatTest, NamesAndLinks) {
  const auto f = entry("text/lines.txt", flist::kModeReg | 0644, 86355);
  const auto d = entry("text", flist::kModeDir | 0755, 4096);
  const auto l = entry("link-rel", flist::kModeLnk | 0777, 9, "small.txt");
  EXPECT_EQ(format_item("%n%L", item(f)), "text/lines.txt\n");
  EXPECT_EQ(format_item("%n%L", item(d)), "text/\n");
  EXPECT_EQ(format_item("%n%L", item(l)), "link-rel -> small.txt\n");
  // A width pads the target part and adds four blanks when there is none.
  EXPECT_EQ(format_item("[%5L|%-3L]", item(f)), "[         |       ]\n");
  EXPECT_EQ(format_item("[%8L]", item(l)), "[ -> small.txt]\n");
  EXPECT_EQ(format_item("[%-12L]", item(l)), "[ -> small.txt   ]\n");
  FormatItem h = item(f);
  h.hlink = "other.txt";
  EXPECT_EQ(format_item("%n%L", h), "text/lines.txt => other.txt\n");
  EXPECT_EQ(format_item("[%-16n|%16n]", item(f)), "[text/lines.txt  |  text/lines.txt]\n");
}

TEST_F(OutFormatTest, Numbers) {
  const auto f = entry("big", flist::kModeReg | 0644, 86355);
  FormatItem it = item(f);
  it.data_written = 86437;
  it.data_read = 21;
  EXPECT_EQ(format_item("%l %'l %''l %'''l", it), "86355 86,355 86.36K 84.33K\n");
  EXPECT_EQ(format_item("[%10l|%-10'l]", it), "[     86355|86,355    ]\n");
  // %b is what this side sent, %c what it received; a sender's %b is the
  // stream written, a receiver's the stream read; 0 without a transfer.
  it.am_sender = true;
  EXPECT_EQ(format_item("%b %c", it), "86437 21\n");
  it.am_sender = false;
  EXPECT_EQ(format_item("%b %c", it), "21 86437\n");
  it.iflags = 0;
  EXPECT_EQ(format_item("%b %c", it), "0 0\n");
}

TEST_F(OutFormatTest, ItemizeOperationAndDeletion) {
  const auto f = entry("a", flist::kModeReg | 0644);
  FormatItem it = item(f, wire::kItemTransfer | wire::kItemIsNew);
  it.op = "recv";
  EXPECT_EQ(format_item("%i %o %n", it), ">f+++++++++ recv a\n");
  EXPECT_EQ(format_item("[%-14i]", it), "[>f+++++++++   ]\n");
  const std::string name = "gone";
  FormatItem del = item(f, wire::kItemDeleted);
  del.fname = &name;
  del.op = "del.";
  EXPECT_EQ(format_item("%i %n%L", del), "*deleting   gone\n");
  EXPECT_EQ(format_item("%o %n", del), "del. gone\n");
}

TEST_F(OutFormatTest, OwnersPermsTimes) {
  auto f = entry("x", flist::kModeReg | 04755);
  f.uid = 1000;
  f.gid = 100;
  f.mtime = 1700000123;
  FormatItem it = item(f);
  EXPECT_EQ(format_item("%U %G", it), "0 DEFAULT\n");
  it.uid_kept = it.gid_kept = true;
  EXPECT_EQ(format_item("%U %G %6U|%-8G|", it), "1000 100   1000|100     |\n");
  EXPECT_EQ(format_item("%B", it), "rwsr-xr-x\n");
  EXPECT_EQ(format_item("%M", it), "2023/11/14-22:15:23\n");
  it.now = 1700000000;
  EXPECT_EQ(format_item("%t", it), "2023/11/14 22:13:20\n");
  it.pid = 4242;
  EXPECT_EQ(format_item("%p %-6p|", it), "4242 4242  |\n");
}

TEST_F(OutFormatTest, Checksums) {
  const auto f = entry("x", flist::kModeReg);
  FormatItem it = item(f);
  it.checksum_len = 4;
  EXPECT_EQ(format_item("[%C]", it), "[        ]\n");
  it.checksum_hex = "0a0b0c0d";
  EXPECT_EQ(format_item("[%C]", it), "[0a0b0c0d]\n");
}

TEST_F(OutFormatTest, UnknownAndDaemonEscapesStay) {
  const auto f = entry("text", flist::kModeDir);
  // 3.4.1 keeps the first '%' of "%%" and expands what follows the second.
  EXPECT_EQ(format_item("[%m|%P|%u|%h|%a|%z|%%n|%-5z|%5|%]", item(f)),
            "[|%P|%u|%h|%a|%z|%text/|%-5z|%5|%]\n");
  EXPECT_EQ(format_item("100%", item(f)), "100%\n");
  EXPECT_EQ(format_item("", item(f)), "\n");
}

TEST_F(OutFormatTest, FullPathOnSender) {
  const auto f = entry("sub/file", flist::kModeReg);
  FormatItem it = item(f);
  EXPECT_EQ(format_item("%f", it), "sub/file\n");
  it.am_sender = true;
  it.sender_dir = "/tmp//src/.";
  EXPECT_EQ(format_item("%f", it), "tmp/src/sub/file\n");
  const auto dot = entry(".", flist::kModeDir);
  FormatItem d = item(dot);
  d.am_sender = true;
  d.sender_dir = "src";
  // upstream keeps a trailing "." (clean_fname without its flags).
  EXPECT_EQ(format_item("%f|%n", d), "src/.|./\n");
}

TEST_F(OutFormatTest, FormatHas) {
  EXPECT_TRUE(format_has("%i %n%L", 'i'));
  EXPECT_TRUE(format_has("%'-10b", 'b'));
  EXPECT_FALSE(format_has("%n", 'b'));
  EXPECT_FALSE(format_has("abc%", 'i'));
  EXPECT_TRUE(format_has("%%i", 'i'));  // 3.4.1 reads "%i" at the second '%'
}

TEST_F(OutFormatTest, Helpers) {
  EXPECT_EQ(perm_string(flist::kModeDir | 01777), "drwxrwxrwt");
  EXPECT_EQ(perm_string(flist::kModeLnk | 0777), "lrwxrwxrwx");
  EXPECT_EQ(perm_string(flist::kModeReg | 02640), "-rw-r-S---");
  EXPECT_EQ(clean_name("a//b/./c/"), "a/b/c");
  EXPECT_EQ(clean_name("./"), ".");
  EXPECT_EQ(clean_name("/x/."), "/x/.");
  EXPECT_EQ(clean_name("/x/./y"), "/x/y");
  EXPECT_EQ(big_num(1234567, 1), "1,234,567");
  EXPECT_EQ(big_num(999, 2), "999");
  EXPECT_EQ(big_num(1048576, 3), "1.00M");
}

}  // namespace
}  // namespace crsync::session
