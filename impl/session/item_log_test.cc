#include "session/item_log.h"

#include <gtest/gtest.h>

#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

flist::FileEntry entry(const char* name, uint32_t mode, const char* target = "") {
  flist::FileEntry e;
  e.name = name;
  e.mode = mode;
  e.link_target = target;
  return e;
}

// Strings observed from upstream rsync (local and remote runs).
TEST(ItemLogTest, ItemizeStrings) {
  ItemizeContext c;
  c.preserve_mtimes = true;
  EXPECT_EQ(
      itemize_string(wire::kItemIsNew | wire::kItemLocalChange, entry("d", flist::kModeDir), c),
      "cd+++++++++");
  EXPECT_EQ(itemize_string(wire::kItemTransfer | wire::kItemIsNew, entry("f", flist::kModeReg), c),
            ">f+++++++++");
  EXPECT_EQ(itemize_string(wire::kItemTransfer | wire::kItemReportSize | wire::kItemReportTime,
                           entry("f", flist::kModeReg), c),
            ">f.st......");
  EXPECT_EQ(itemize_string(wire::kItemReportTime, entry(".", flist::kModeDir), c), ".d..t......");
  EXPECT_EQ(itemize_string(wire::kItemLocalChange | wire::kItemReportChange | wire::kItemIsNew,
                           entry("l", flist::kModeLnk, "t"), c),
            "cL+++++++++");
  EXPECT_EQ(
      itemize_string(wire::kItemTransfer | wire::kItemMissingData, entry("f", flist::kModeReg), c),
      ">f?????????");
  // Nothing to report on a non-transfer: spaces.
  EXPECT_EQ(itemize_string(0, entry("d", flist::kModeDir), c), ".d         ");
  c.sending_client = true;
  EXPECT_EQ(itemize_string(wire::kItemTransfer, entry("f", flist::kModeReg), c), "<f.........");
  c.preserve_mtimes = false;
  EXPECT_EQ(
      itemize_string(wire::kItemTransfer | wire::kItemReportTime, entry("f", flist::kModeReg), c),
      "<f..T......");
}

TEST(ItemLogTest, NamesAndLinks) {
  EXPECT_EQ(name_and_link(entry("sub", flist::kModeDir)), "sub/");
  EXPECT_EQ(name_and_link(entry("lnk", flist::kModeLnk, "a.txt")), "lnk -> a.txt");
}

TEST(ItemLogTest, NumberFormats) {
  EXPECT_EQ(comma_num(100350, 1), "100,350");
  EXPECT_EQ(comma_num(999, 1), "999");
  EXPECT_EQ(comma_num(1000, 0), "1000");
  EXPECT_EQ(comma_dnum(200932.0, 2, 1), "200,932.00");
  EXPECT_EQ(comma_dnum(3.4849, 2, 1), "3.48");
  EXPECT_EQ(human_num(100018, 2), "100.02K");
  EXPECT_EQ(human_num(100018, 3), "97.67K");
}

TEST(ItemLogTest, SummaryShape) {
  TransferStats s;
  s.total_written = 100350;
  s.total_read = 116;
  s.total_size = 100013;
  const std::string out = summary_lines(s, 0, false, 1);
  EXPECT_EQ(out,
            "sent 100,350 bytes  received 116 bytes  200,932.00 bytes/sec\n"
            "total size is 100,013  speedup is 1.00\n");
  EXPECT_NE(summary_lines(s, 0, true, 1).find("speedup is 1.00 (DRY RUN)"), std::string::npos);
}

}  // namespace
}  // namespace crsync::session

#include "session/output.h"

namespace crsync::session {
namespace {

TEST(OutputEscapeTest, AsUpstreamRwrite) {
  // Bytes the C locale cannot show become \#ooo; UTF-8 passes in a UTF-8 locale.
  EXPECT_EQ(escape_for_output("dir/\xc3\xbc-unicode.txt\n", false),
            "dir/\\#303\\#274-unicode.txt\n");
  EXPECT_EQ(escape_for_output("dir/\xc3\xbc-unicode.txt\n", true), "dir/\xc3\xbc-unicode.txt\n");
  // Control characters, but not tabs; a literal "\#123" keeps its meaning.
  EXPECT_EQ(escape_for_output("a\x01"
                              "b\tc\n",
                              true),
            "a\\#001b\tc\n");
  EXPECT_EQ(escape_for_output("x\\#123\n", true), "x\\#134#123\n");
  // An invalid UTF-8 byte is escaped even in a UTF-8 locale.
  EXPECT_EQ(escape_for_output("\xff\n", true), "\\#377\n");
}

}  // namespace
}  // namespace crsync::session
