#include "pcap/spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace crsync::pcap {
namespace {

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 31 + seed);
  return b;
}

TEST(SpoolTest, SmallStaysInMemory) {
  Spool s(100);
  s.append(pattern(60, 1));
  s.append(pattern(40, 2));
  StreamBuffer b = s.finish();
  EXPECT_FALSE(b.mapped());
  EXPECT_EQ(b.size(), 100u);
  EXPECT_EQ(b[60], pattern(40, 2)[0]);
}

TEST(SpoolTest, PastTheThresholdIsAMappedFileWithTheSameBytes) {
  Spool s(1000);
  Bytes all;
  for (int i = 0; i < 50; ++i) {  // small appends and some above the write buffer
    Bytes p = pattern(i % 7 == 0 ? (size_t{1} << 20) + 3 : 777, static_cast<uint8_t>(i));
    s.append(p);
    all.insert(all.end(), p.begin(), p.end());
  }
  EXPECT_EQ(s.size(), all.size());
  StreamBuffer b = s.finish();
  EXPECT_TRUE(b.mapped());
  ASSERT_EQ(b.size(), all.size());
  EXPECT_TRUE(std::equal(all.begin(), all.end(), b.begin()));
  // Dropping the resident pages loses nothing: they are read back.
  note_read_progress(uint64_t{1} << 30);
  EXPECT_TRUE(std::equal(all.begin(), all.end(), b.begin()));
  StreamBuffer moved = std::move(b);
  EXPECT_EQ(moved.size(), all.size());
  EXPECT_EQ(b.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(SpoolTest, CopyRangeCrossesTheFileAndTheBuffer) {
  for (uint64_t spill : {uint64_t{0}, uint64_t{5}, uint64_t{1} << 30}) {
    Spool s(spill);
    const Bytes a = pattern(3000, 7);
    s.append(ByteSpan(a).first(1000));
    s.append(ByteSpan(a).subspan(1000));
    Spool out(spill);
    s.copy_range(500, 2000, out);
    s.copy_range(2900, 500, out);  // clamped at the end
    StreamBuffer b = out.finish();
    ASSERT_EQ(b.size(), 2100u) << spill;
    EXPECT_TRUE(std::equal(a.begin() + 500, a.begin() + 2500, b.begin())) << spill;
    EXPECT_TRUE(std::equal(a.begin() + 2900, a.end(), b.begin() + 2000)) << spill;
  }
}

TEST(SpoolTest, MapFile) {
  char path[] = "/tmp/crsync-spool-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  StreamBuffer b;
  ASSERT_TRUE(StreamBuffer::map_file(path, &b).ok());
  EXPECT_TRUE(b.empty());
  std::ofstream(path) << "raw bytes";
  ASSERT_TRUE(StreamBuffer::map_file(path, &b).ok());
  EXPECT_EQ(std::string(b.begin(), b.end()), "raw bytes");
  ::unlink(path);
  EXPECT_FALSE(StreamBuffer::map_file(path, &b).ok());
}

}  // namespace
}  // namespace crsync::pcap
