#include "transport/bwlimit.h"

#include <gtest/gtest.h>

namespace crsync::transport {
namespace {

TEST(BwPlanTest, ChunkIsRateTimes128WithAFloor) {
  EXPECT_EQ(BwPlan(100).max_chunk(), 12800u);
  EXPECT_EQ(BwPlan(1).max_chunk(), 512u);
}

// At 100 KiB/s, 12800 bytes is about 0.125 s of budget (upstream's integer
// arithmetic: 976 µs a KiB): written at once it asks for that sleep; the
// next piece right after the sleep asks again, one written at the right
// pace asks for none.
TEST(BwPlanTest, SleepsForTheBacklogAboveTheRate) {
  BwPlan p(100);
  EXPECT_EQ(p.after_write(0, 12800), 124928);
  p.slept(124928, 0, 124928);  // slept exactly as planned: no backlog left
  EXPECT_EQ(p.after_write(124928, 12800), 124928);
  p.slept(124928, 124928, 249856);
  EXPECT_EQ(p.after_write(249856 + 125000, 12800), 0);
}

TEST(BwPlanTest, ShortBacklogsDoNotSleep) {
  BwPlan p(1024);  // 1 MiB/s: under a tenth of a second no sleep
  EXPECT_EQ(p.after_write(0, 100 * 1024), 0);
  EXPECT_EQ(p.after_write(100000, 100 * 1024), 0);  // 0.1 s later the 100 KiB are paid for
  EXPECT_GT(p.after_write(100000, 200 * 1024), 0);  // 200 KiB more at once: sleep
}

TEST(BwPlanTest, OverSleepingLeavesNoNegativeBacklog) {
  BwPlan p(10);
  const int64_t s = p.after_write(0, 10 * 1024);  // one second of budget
  EXPECT_EQ(s, 999424);
  p.slept(s, 0, 3000000);  // slept three seconds
  EXPECT_EQ(p.after_write(3000000, 512), 0);
}

}  // namespace
}  // namespace crsync::transport
