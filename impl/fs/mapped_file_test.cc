#include "fs/mapped_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace crsync::fs {
namespace {

// A temporary file of `n` bytes with position-dependent content.
class TempFile {
 public:
  explicit TempFile(size_t n) {
    char name[] = "/tmp/crsync-mapped-XXXXXX";
    fd_ = ::mkstemp(name);
    path_ = name;
    std::vector<uint8_t> buf(n);
    for (size_t i = 0; i < n; ++i) buf[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    bytes_ = buf;
    EXPECT_EQ(::write(fd_, buf.data(), n), static_cast<ssize_t>(n));
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::vector<uint8_t> bytes_;
};

// Resident bytes of the mapping that starts at `addr` (from smaps).
size_t resident_of(const void* addr) {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  char want[32];
  std::snprintf(want, sizeof want, "%lx-", reinterpret_cast<unsigned long>(addr));
  bool in_it = false;
  while (std::getline(in, line)) {
    if (line.rfind(want, 0) == 0) {
      in_it = true;
      continue;
    }
    if (in_it && line.rfind("Rss:", 0) == 0) {
      std::istringstream f(line.substr(4));
      size_t kb = 0;
      f >> kb;
      return kb * 1024;
    }
  }
  ADD_FAILURE() << "mapping not found in smaps";
  return 0;
}

TEST(MappedFileTest, EmptyFileMapsNothing) {
  TempFile t(0);
  MappedFile m;
  ASSERT_TRUE(m.map(t.fd(), 0).ok());
  EXPECT_EQ(m.size(), 0u);
  m.advance(0);
  m.will_read(0, 10);
}

TEST(MappedFileTest, SequentialReaderKeepsAWindowAndSeesEveryByte) {
  const size_t n = 8 * MappedFile::kAhead + 12345;
  TempFile t(n);
  MappedFile m;
  ASSERT_TRUE(m.map(t.fd(), n).ok());
  size_t peak = 0;
  uint64_t sum = 0, want = 0;
  for (uint8_t b : t.bytes()) want += b;
  for (size_t off = 0; off < n; off += 1 << 20) {
    m.advance(off);
    const size_t len = std::min<size_t>(1 << 20, n - off);
    for (uint8_t b : m.span().subspan(off, len)) sum += b;
    peak = std::max(peak, resident_of(m.span().data()));
  }
  EXPECT_EQ(sum, want);
  // The window ahead plus at most one step behind it.
  EXPECT_LE(peak, 3 * MappedFile::kAhead);
  EXPECT_GT(peak, 0u);
}

TEST(MappedFileTest, ForEachWindowCoversTheRangeInOrder) {
  const size_t n = 2 * MappedFile::kAhead + 7;
  TempFile t(n);
  MappedFile m;
  ASSERT_TRUE(m.map(t.fd(), n).ok());
  std::vector<uint8_t> got;
  for_each_window(m, 5, n, [&](ByteSpan p) { got.insert(got.end(), p.begin(), p.end()); });
  EXPECT_EQ(got, std::vector<uint8_t>(t.bytes().begin() + 5, t.bytes().end()));
}

TEST(MappedFileTest, RandomReaderStaysBounded) {
  const size_t n = 12 * MappedFile::kAhead;
  TempFile t(n);
  MappedFile m;
  ASSERT_TRUE(m.map(t.fd(), n).ok());
  const size_t blk = 16 * 1024;
  size_t peak = 0;
  // Blocks in a scattered order: each read is checked against the file.
  for (size_t k = 0; k < n / blk; ++k) {
    const size_t off = ((k * 7919) % (n / blk)) * blk;
    m.will_read(off, blk);
    ASSERT_EQ(0, std::memcmp(m.span().data() + off, t.bytes().data() + off, blk)) << off;
    if (k % 256 == 0) peak = std::max(peak, resident_of(m.span().data()));
  }
  // Then a sequential run through the whole file.
  for (size_t off = 0; off < n; off += blk) {
    m.will_read(off, blk);
    ASSERT_EQ(0, std::memcmp(m.span().data() + off, t.bytes().data() + off, blk)) << off;
    if ((off / blk) % 256 == 0) peak = std::max(peak, resident_of(m.span().data()));
  }
  EXPECT_LE(peak, MappedFile::kMaxResident + MappedFile::kAhead);
}

// A file truncated while mapped: the bytes before the new end are the
// file's, everything after reads as zeros, and the process lives on.
TEST(MappedFileTest, AFileThatShrinksReadsAsZerosPastItsNewEnd) {
  const size_t n = 3 * MappedFile::kAhead;
  TempFile t(n);
  MappedFile m;
  ASSERT_TRUE(m.map(t.fd(), n).ok());
  m.advance(0);
  EXPECT_EQ(m.status(), 0);
  const size_t keep = 5000;
  ASSERT_EQ(::ftruncate(t.fd(), static_cast<off_t>(keep)), 0);
  const uint8_t* p = m.span().data();
  EXPECT_EQ(0, std::memcmp(p, t.bytes().data(), keep));
  size_t nonzero = 0;
  for (size_t i = 8192; i < n; i += 4096) nonzero += p[i] != 0;
  EXPECT_EQ(nonzero, 0u);
  m.will_read(n - 100, 100);
  EXPECT_EQ(p[n - 1], 0);
  EXPECT_EQ(m.status(), ENODATA);
  // A second mapping of another file is still guarded and still reads true.
  TempFile u(2 * 4096);
  MappedFile m2;
  ASSERT_TRUE(m2.map(u.fd(), u.bytes().size()).ok());
  EXPECT_EQ(0, std::memcmp(m2.span().data(), u.bytes().data(), u.bytes().size()));
  EXPECT_EQ(m2.status(), 0);
}

}  // namespace
}  // namespace crsync::fs
