#include "session/progress.h"

#include <gtest/gtest.h>

#include <vector>

namespace crsync::session {
namespace {

// Collects what a Progress prints.
class Recorder : public Output {
 public:
  void info(const std::string& text) override { lines.push_back(text); }
  void error(const std::string& text) override { lines.push_back("E:" + text); }
  void warning(const std::string& text) override { lines.push_back("W:" + text); }
  void progress(const std::string& text, bool unfinished, bool same_line) override {
    (void)same_line;
    lines.push_back(text + (unfinished ? "|open" : ""));
  }
  std::vector<std::string> lines;
};

using Clock = Progress::Clock;

TEST(ProgressTest, LineShape) {
  // Shapes seen from rsync 3.4.1 and 3.5.0.
  EXPECT_EQ(progress_line(0, 86355, 0, 0, "  ", 1),
            "\r              0   0%    0.00kB/s    0:00:00  ");
  EXPECT_EQ(progress_line(86355, 86355, 84333.0, 0.001, progress_tail(1, true, 0, 2) + "\n", 1),
            "\r         86,355 100%   82.36MB/s    0:00:00 (xfr#1, to-chk=0/2)\n");
  EXPECT_EQ(progress_line(32768, 86355, 10.74, 3725, "  ", 2),
            "\r         32.77K  37%   10.74kB/s    1:02:05  ");
  EXPECT_EQ(progress_line(5, 10, 3.0 * 1024 * 1024, -1, "  ", 0),
            "\r              5  50%    3.00GB/s   ??:??:??  ");
  EXPECT_EQ(progress_tail(7, false, 12, 40), " (xfr#7, ir-chk=12/40)");
}

TEST(ProgressTest, PerFileUpdatesThenFinalLine) {
  Recorder out;
  TransferStats st;
  st.num_files = 243;
  st.xferred_files = 2;
  Progress p(out, st, 1, 1);
  Clock::time_point t0{};
  t0 += std::chrono::hours(1);
  p.set_now_for_test(t0);
  p.set_file_index(1);
  p.show(0, 100000);  // the first update is shown at once
  p.set_now_for_test(t0 + std::chrono::milliseconds(500));
  p.show(32768, 100000);  // within a second: not shown
  p.set_now_for_test(t0 + std::chrono::milliseconds(1200));
  p.show(65536, 100000);  // a second later: shown
  p.set_now_for_test(t0 + std::chrono::milliseconds(2000));
  p.end(100000);
  ASSERT_EQ(out.lines.size(), 3u);
  EXPECT_EQ(out.lines[0], "\r              0   0%    0.00kB/s    0:00:00  |open");
  EXPECT_EQ(out.lines[1].substr(0, 22), "\r         65,536  65% ");
  EXPECT_EQ(out.lines[2],
            "\r        100,000 100%   48.83kB/s    0:00:02 (xfr#2, to-chk=241/243)\n");
}

TEST(ProgressTest, Progress2ShowsTotalsAndPads) {
  Recorder out;
  TransferStats st;
  st.num_files = 20;
  st.total_size = 1000;
  st.xferred_files = 1;
  st.total_transferred_size = 400;
  Progress p(out, st, 2, 1);
  p.set_now_for_test(Clock::time_point{} + std::chrono::hours(1));
  p.set_file_index(3);
  p.show(100, 400);  // 100 of this 400-byte file: 100 of 1000 overall
  p.end(400);
  p.at_list_done(19);
  ASSERT_EQ(out.lines.size(), 3u);
  EXPECT_EQ(out.lines[0].substr(0, 22), "\r            100  10% ");
  EXPECT_EQ(out.lines[1].substr(0, 22), "\r            400  40% ");
  EXPECT_NE(out.lines[1].find(" (xfr#1, to-chk=16/20)|open"), std::string::npos);
  // A shorter tail is padded to the previous one's length.
  EXPECT_NE(out.lines[2].find(" (xfr#1, to-chk=0/20) |open"), std::string::npos);
  const auto t1 = out.lines[1].substr(out.lines[1].find(" (xfr"));
  const auto t2 = out.lines[2].substr(out.lines[2].find(" (xfr"));
  EXPECT_EQ(t1.size(), t2.size());
}

TEST(ProgressTest, EmptyFileHasOnlyTheFinalLine) {
  Recorder out;
  TransferStats st;
  st.num_files = 3;
  st.xferred_files = 1;
  Progress p(out, st, 1, 1);
  p.set_file_index(0);
  p.end(0);
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0], "\r              0 100%    0.00kB/s    0:00:00 (xfr#1, to-chk=2/3)\n");
}

}  // namespace
}  // namespace crsync::session
