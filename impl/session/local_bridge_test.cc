#include "session/local_bridge.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace crsync::session {
namespace {

int open_null() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

TEST(LocalBridgeTest, TakesWhatWasOfferedOnce) {
  LocalBridge b;
  const int fd = open_null();
  ASSERT_TRUE(b.offer(7, fd, 1234));
  fs::Fd got;
  int64_t size = 0;
  EXPECT_FALSE(b.take(8, &got, &size));
  ASSERT_TRUE(b.take(7, &got, &size));
  EXPECT_EQ(got.get(), fd);
  EXPECT_EQ(size, 1234);
  EXPECT_FALSE(b.take(7, &got, &size));
  EXPECT_EQ(b.handed_over(), 1);
}

// A sender far ahead of the receiver is refused past kMaxPending (it then
// sends through the pipe) instead of holding a descriptor per file.
TEST(LocalBridgeTest, BoundsWhatWaits) {
  LocalBridge b;
  std::vector<int> fds;
  for (size_t i = 0; i < LocalBridge::kMaxPending; ++i) {
    fds.push_back(open_null());
    ASSERT_TRUE(b.offer(static_cast<int32_t>(i), fds.back(), 1)) << i;
  }
  const int extra = open_null();
  EXPECT_FALSE(b.offer(1000, extra, 1));
  EXPECT_TRUE(is_open(extra));  // still the caller's
  fs::Fd got;
  int64_t size = 0;
  ASSERT_TRUE(b.take(0, &got, &size));
  EXPECT_TRUE(b.offer(1000, extra, 1));
}

// An offer the receiver passed by without taking is dropped (and closed)
// when it takes a later one.
TEST(LocalBridgeTest, DropsOffersPassedBy) {
  LocalBridge b;
  const int a = open_null(), c = open_null();
  ASSERT_TRUE(b.offer(1, a, 1));
  ASSERT_TRUE(b.offer(2, c, 1));
  fs::Fd got;
  int64_t size = 0;
  ASSERT_TRUE(b.take(2, &got, &size));
  EXPECT_FALSE(is_open(a));
  EXPECT_FALSE(b.take(1, &got, &size));
}

TEST(LocalBridgeTest, ShortReadsAreNotedOnce) {
  LocalBridge b;
  EXPECT_EQ(b.take_short(3), 0);
  b.note_short(3, ENODATA);
  EXPECT_EQ(b.take_short(3), ENODATA);
  EXPECT_EQ(b.take_short(3), 0);
}

}  // namespace
}  // namespace crsync::session
