#include "fs/write_behind.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

namespace crsync::fs {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(WriteBehindTest, StartsNothingBelowAStep) {
  WriteBehind wb;
  EXPECT_EQ(wb.advance(0).len, 0u);
  EXPECT_EQ(wb.advance(WriteBehind::kStep - 1).len, 0u);
}

TEST(WriteBehindTest, StartsEachStepOnceInOrder) {
  WriteBehind wb;
  const auto a = wb.advance(WriteBehind::kStep + 5);
  EXPECT_EQ(a.off, 0u);
  EXPECT_EQ(a.len, WriteBehind::kStep + 5);
  // Less than a step more: nothing; then the whole gap at once.
  EXPECT_EQ(wb.advance(WriteBehind::kStep + 6).len, 0u);
  const auto b = wb.advance(3 * WriteBehind::kStep);
  EXPECT_EQ(b.off, WriteBehind::kStep + 5);
  EXPECT_EQ(b.len, 2 * WriteBehind::kStep - 5);
}

TEST(WriteBehindTest, AnEndBehindWhatStartedIsIgnored) {
  WriteBehind wb;
  ASSERT_EQ(wb.advance(2 * WriteBehind::kStep).len, 2 * WriteBehind::kStep);
  EXPECT_EQ(wb.advance(WriteBehind::kStep).len, 0u);  // e.g. an offset reset
  EXPECT_EQ(wb.advance(3 * WriteBehind::kStep).off, 2 * WriteBehind::kStep);
}

TEST(WriteBehindTest, AsksOnceAtTheFirstStepWhetherTheFileReplacesAnother) {
  int asked = 0;
  WriteBehind yes([&] { return ++asked, true; });
  EXPECT_EQ(yes.advance(WriteBehind::kStep - 1).len, 0u);
  EXPECT_EQ(asked, 0);  // a small file never asks
  EXPECT_EQ(yes.advance(WriteBehind::kStep).len, WriteBehind::kStep);
  EXPECT_EQ(yes.advance(2 * WriteBehind::kStep).len, WriteBehind::kStep);
  EXPECT_EQ(asked, 1);
  WriteBehind no([&] { return ++asked, false; });
  EXPECT_EQ(no.advance(WriteBehind::kStep).len, 0u);
  EXPECT_EQ(no.advance(5 * WriteBehind::kStep).len, 0u);
  EXPECT_EQ(asked, 2);
}

TEST(WriteBehindTest, NoDescriptorIsANoOp) {
  WriteBehind wb;
  wb.wrote(-1, 4 * WriteBehind::kStep);
  // Nothing was recorded as started either.
  EXPECT_EQ(wb.advance(WriteBehind::kStep).len, WriteBehind::kStep);
}

// Linux 6.5's cachestat(2): a file range's page-cache state, dirty pages
// included. Declared here because Debian 12's kernel headers predate it.
struct CacheRange {
  uint64_t off, len;
};
struct CacheStat {
  uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};
constexpr long kSysCachestat = 451;  // x86_64, arm64 and the generic table alike

bool dirty_pages(int fd, uint64_t off, uint64_t len, uint64_t* dirty) {
  CacheRange r{off, len};
  CacheStat s{};
  if (::syscall(kSysCachestat, fd, &r, &s, 0) != 0) return false;
  *dirty = s.nr_dirty;
  return true;
}

// Writes `n` MiB to a new file under the test's temporary directory,
// telling `wb` (if any) after each MiB. Returns the descriptor.
int write_file(const std::string& path, int n, WriteBehind* wb) {
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  std::vector<uint8_t> mib(kMiB, 0x5a);
  for (int i = 0; i < n; ++i) {
    mib[0] = static_cast<uint8_t>(i);
    EXPECT_EQ(::write(fd, mib.data(), mib.size()), static_cast<ssize_t>(mib.size()));
    if (wb) wb->wrote(fd, static_cast<uint64_t>(i + 1) * kMiB);
  }
  return fd;
}

// The real effect, on a real file: the steps handed to write-back are no
// longer dirty in the page cache, while a file written without it stays
// dirty (which shows the filesystem keeps dirty pages to see at all).
TEST(WriteBehindTest, WrittenStepsLeaveThePageCacheDirtyState) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/crsync-wb-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const uint64_t total = 3 * WriteBehind::kStep;
  const int n = static_cast<int>(total / kMiB);

  const int plain = write_file(dir + "/plain", n, nullptr);
  uint64_t plain_dirty = 0;
  const bool have = dirty_pages(plain, 0, total, &plain_dirty);
  const int err = errno;
  WriteBehind wb;
  const int behind = write_file(dir + "/behind", n, &wb);
  uint64_t behind_dirty = 0;
  const bool have2 = dirty_pages(behind, 0, total, &behind_dirty);
  ::close(plain);
  ::close(behind);
  ::unlink((dir + "/plain").c_str());
  ::unlink((dir + "/behind").c_str());
  ::rmdir(dir.c_str());
  if (!have && (err == ENOSYS || err == EPERM)) GTEST_SKIP() << "no cachestat(2) on this kernel";
  ASSERT_TRUE(have && have2);
  const uint64_t pages = total / static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  if (plain_dirty < pages / 2)
    GTEST_SKIP() << "this filesystem does not keep written pages dirty (" << plain_dirty << " of "
                 << pages << "), so there is nothing to observe";
  // Everything up to the last step was started; at most a step is left.
  EXPECT_LE(behind_dirty, pages / 3 + pages / 20)
      << "dirty pages after write-behind: " << behind_dirty << " of " << pages;
}

}  // namespace
}  // namespace crsync::fs
