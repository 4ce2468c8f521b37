#include "pcap/spool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

namespace crsync::pcap {
namespace {

constexpr uint64_t kDefaultSpill = uint64_t{8} << 20;
constexpr size_t kWriteBuffer = size_t{1} << 20;
constexpr uint64_t kReleaseEvery = uint64_t{16} << 20;

// Live mappings (address, length), whose pages note_read_progress drops.
std::set<std::pair<const uint8_t*, size_t>>& mappings() {
  static std::set<std::pair<const uint8_t*, size_t>> m;
  return m;
}
uint64_t g_progress = 0;

int open_temp() {
  const char* dir = std::getenv("TMPDIR");
  std::string d = dir && *dir ? dir : "/tmp";
  int fd = -1;
#ifdef O_TMPFILE
  fd = ::open(d.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
#endif
  std::string path = d + "/crsync-pcap-XXXXXX";
  fd = ::mkstemp(path.data());
  if (fd < 0) return -1;
  ::unlink(path.c_str());
  return fd;
}

bool write_all(int fd, const uint8_t* p, size_t n, uint64_t at) {
  while (n) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(at));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
    at += static_cast<uint64_t>(w);
  }
  return true;
}

bool read_all(int fd, uint8_t* p, size_t n, uint64_t at) {
  while (n) {
    const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
    at += static_cast<uint64_t>(r);
  }
  return true;
}

}  // namespace

void note_read_progress(uint64_t bytes) {
  g_progress += bytes;
  if (g_progress < kReleaseEvery) return;
  g_progress = 0;
  for (const auto& [addr, len] : mappings())
    ::madvise(const_cast<uint8_t*>(addr), len, MADV_DONTNEED);
}

StreamBuffer::StreamBuffer(StreamBuffer&& o) noexcept
    : mem_(std::move(o.mem_)), map_(std::exchange(o.map_, nullptr)), map_len_(o.map_len_) {
  o.mem_.clear();
}

StreamBuffer& StreamBuffer::operator=(StreamBuffer&& o) noexcept {
  if (this != &o) {
    unmap();
    mem_ = std::move(o.mem_);
    o.mem_.clear();
    map_ = std::exchange(o.map_, nullptr);
    map_len_ = o.map_len_;
  }
  return *this;
}

StreamBuffer::~StreamBuffer() {
  unmap();
}

void StreamBuffer::unmap() {
  if (!map_) return;
  mappings().erase({map_, map_len_});
  ::munmap(const_cast<uint8_t*>(map_), map_len_);
  map_ = nullptr;
  map_len_ = 0;
}

Status StreamBuffer::map_file(const std::string& path, StreamBuffer* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Protocol("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::Protocol("cannot stat " + path + ": " + std::strerror(errno));
  }
  StreamBuffer b;
  if (st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return Status::Protocol("cannot map " + path + ": " + std::strerror(errno));
    }
    b.map_ = static_cast<const uint8_t*>(p);
    b.map_len_ = static_cast<size_t>(st.st_size);
    mappings().insert({b.map_, b.map_len_});
  }
  ::close(fd);
  *out = std::move(b);
  return Status::Ok();
}

uint64_t Spool::default_spill_threshold() {
  const char* v = std::getenv("CRSYNC_PCAP_SPILL_BYTES");
  if (!v || !*v) return kDefaultSpill;
  return std::strtoull(v, nullptr, 10);
}

Spool::Spool(uint64_t spill_at) : spill_at_(spill_at) {}

Spool::Spool(Spool&& o) noexcept
    : spill_at_(o.spill_at_),
      mem_(std::move(o.mem_)),
      fd_(std::exchange(o.fd_, -1)),
      no_file_(o.no_file_),
      size_(std::exchange(o.size_, 0)),
      file_size_(std::exchange(o.file_size_, 0)) {
  o.mem_.clear();
}

Spool& Spool::operator=(Spool&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    spill_at_ = o.spill_at_;
    mem_ = std::move(o.mem_);
    o.mem_.clear();
    fd_ = std::exchange(o.fd_, -1);
    no_file_ = o.no_file_;
    size_ = std::exchange(o.size_, 0);
    file_size_ = std::exchange(o.file_size_, 0);
  }
  return *this;
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

void Spool::append(ByteSpan b) {
  if (b.empty()) return;
  size_ += b.size();
  if (fd_ < 0) {
    mem_.insert(mem_.end(), b.begin(), b.end());
    if (!no_file_ && mem_.size() > spill_at_) spill();
    return;
  }
  if (mem_.size() + b.size() > kWriteBuffer) flush();
  if (fd_ >= 0 && b.size() >= kWriteBuffer) {
    if (!write_all(fd_, b.data(), b.size(), file_size_)) {
      to_memory();
      mem_.insert(mem_.end(), b.begin(), b.end());
      return;
    }
    file_size_ += b.size();
    return;
  }
  mem_.insert(mem_.end(), b.begin(), b.end());
}

void Spool::spill() {
  fd_ = open_temp();
  if (fd_ < 0) {
    no_file_ = true;
    return;
  }
  file_size_ = 0;
  flush();
  if (fd_ >= 0) {
    mem_.shrink_to_fit();  // what stays is the write buffer
    mem_.reserve(kWriteBuffer);
  }
}

void Spool::flush() {
  if (fd_ < 0 || mem_.empty()) return;
  if (!write_all(fd_, mem_.data(), mem_.size(), file_size_)) {
    to_memory();
    return;
  }
  file_size_ += mem_.size();
  mem_.clear();
}

void Spool::to_memory() {
  Bytes all(file_size_);
  if (!all.empty() && !read_all(fd_, all.data(), all.size(), 0)) all.assign(file_size_, 0);
  all.insert(all.end(), mem_.begin(), mem_.end());
  mem_ = std::move(all);
  ::close(fd_);
  fd_ = -1;
  file_size_ = 0;
  no_file_ = true;
}

void Spool::copy_range(uint64_t off, uint64_t n, Spool& out) const {
  if (off > size_ || n > size_ - off) n = off > size_ ? 0 : size_ - off;
  if (fd_ < 0) {
    out.append(ByteSpan(mem_).subspan(off, n));
    return;
  }
  Bytes buf(std::min<uint64_t>(n, kWriteBuffer));
  while (n) {
    const size_t k = static_cast<size_t>(std::min<uint64_t>(n, buf.size()));
    if (off >= file_size_) {
      out.append(ByteSpan(mem_).subspan(off - file_size_, k));
    } else {
      const size_t in_file = static_cast<size_t>(std::min<uint64_t>(k, file_size_ - off));
      if (!read_all(fd_, buf.data(), in_file, off)) std::fill_n(buf.data(), in_file, 0);
      out.append(ByteSpan(buf).first(in_file));
      if (in_file < k) out.append(ByteSpan(mem_).first(k - in_file));
    }
    off += k;
    n -= k;
  }
}

StreamBuffer Spool::finish() {
  StreamBuffer b;
  if (fd_ >= 0) {
    flush();
    if (fd_ >= 0 && file_size_ > 0) {
      void* p = ::mmap(nullptr, file_size_, PROT_READ, MAP_SHARED, fd_, 0);
      if (p != MAP_FAILED) {
        b.map_ = static_cast<const uint8_t*>(p);
        b.map_len_ = static_cast<size_t>(file_size_);
        mappings().insert({b.map_, b.map_len_});
      } else {
        to_memory();
      }
    }
    if (fd_ >= 0) {
      ::close(fd_);  // the mapping keeps the file
      fd_ = -1;
    }
  }
  if (!b.mapped()) b.mem_ = std::move(mem_);
  mem_.clear();
  size_ = file_size_ = 0;
  return b;
}

}  // namespace crsync::pcap
