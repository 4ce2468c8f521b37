#include "fs/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>
#include <csignal>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels answer EINVAL
#endif

namespace crsync::fs {
namespace {

size_t page_size() {
  static const size_t n = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return n;
}
size_t page_floor(size_t v) {
  return v & ~(page_size() - 1);
}
size_t page_ceil(size_t v) {
  return page_floor(v + page_size() - 1);
}

// A file that shrinks while it is mapped (a log truncated in place, say)
// makes every read past its new end fault with SIGBUS. Upstream reads with
// read(2) and zero-fills what a short read leaves (fileio.c map_ptr), so a
// shrunk file is sent with zeros past its new end and no error. The same
// here: mappings are registered, and a SIGBUS inside one replaces the rest
// of that mapping, from the faulting page on, with anonymous zero pages;
// the interrupted read then goes on and sees zeros. A SIGBUS anywhere else
// gets the default action.
constexpr int kSlots = 64;
std::atomic<uintptr_t> g_start[kSlots];
std::atomic<uintptr_t> g_end[kSlots];
std::atomic<int> g_faulted[kSlots];  // a read went past the file's end

void on_sigbus(int sig, siginfo_t* info, void*) {
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (int i = 0; i < kSlots; ++i) {
    const uintptr_t start = g_start[i].load(std::memory_order_acquire);
    const uintptr_t end = g_end[i].load(std::memory_order_acquire);
    if (start == 0 || at < start || at >= end) continue;
    const uintptr_t from = at & ~(static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE)) - 1);
    void* z = ::mmap(reinterpret_cast<void*>(from), end - from, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (z != MAP_FAILED) {
      g_faulted[i].store(1, std::memory_order_release);
      return;
    }
    break;
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

int register_mapping(const uint8_t* p, size_t len) {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
  });
  const auto start = reinterpret_cast<uintptr_t>(p);
  for (int i = 0; i < kSlots; ++i) {
    uintptr_t expected = 0;
    if (g_start[i].compare_exchange_strong(expected, ~uintptr_t{0})) {
      g_faulted[i].store(0, std::memory_order_relaxed);
      g_end[i].store(start + page_ceil(len), std::memory_order_release);
      g_start[i].store(start, std::memory_order_release);
      return i;
    }
  }
  // All slots taken: this mapping is unguarded (a shrinking file would
  // then end the process, as before the guard existed).
  return -1;
}

void unregister_mapping(const uint8_t* p) {
  const auto start = reinterpret_cast<uintptr_t>(p);
  for (int i = 0; i < kSlots; ++i) {
    if (g_start[i].load(std::memory_order_acquire) != start) continue;
    g_end[i].store(0, std::memory_order_release);
    g_start[i].store(0, std::memory_order_release);
    return;
  }
}

void unmap(const uint8_t* p, size_t len) {
  unregister_mapping(p);
  ::munmap(const_cast<uint8_t*>(p), len);
}

}  // namespace

MappedFile::~MappedFile() {
  if (data_) unmap(data_, len_);
}

Status MappedFile::map(int fd, size_t len) {
  if (data_) unmap(data_, len_);
  data_ = nullptr;
  len_ = 0;
  slot_ = -1;
  populated_from_ = populated_to_ = dropped_to_ = next_read_ = resident_ = 0;
  if (len == 0) return Status::Ok();
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return Status::Error(ExitCode::kFileIo, std::strerror(errno));
  data_ = static_cast<const uint8_t*>(p);
  len_ = len;
  slot_ = register_mapping(data_, len_);
  return Status::Ok();
}

int MappedFile::status() const {
  if (slot_ >= 0 && g_faulted[slot_].load(std::memory_order_acquire)) return ENODATA;
  return 0;
}

void MappedFile::populate(size_t from, size_t to) {
  from = page_floor(from);
  to = to < len_ ? page_ceil(to) : page_ceil(len_);
  if (from >= to) return;
  // Beyond a file that shrank since it was measured the call fails (those
  // pages would fault with SIGBUS on any read too); nothing to do then.
  ::madvise(const_cast<uint8_t*>(data_) + from, to - from, MADV_POPULATE_READ);
  populated_from_ = from;
  populated_to_ = to;
}

void MappedFile::drop(size_t from, size_t to) {
  from = page_floor(from);
  to = to < len_ ? page_floor(to) : page_ceil(len_);
  if (from >= to) return;
  ::madvise(const_cast<uint8_t*>(data_) + from, to - from, MADV_DONTNEED);
}

void MappedFile::advance(size_t keep_from) {
  if (!data_ || keep_from >= len_) return;
  if (keep_from + kAhead / 2 >= populated_to_) {
    populate(keep_from > populated_to_ ? keep_from : populated_to_, keep_from + kAhead);
    populated_from_ = page_floor(keep_from);
  }
  if (page_floor(keep_from) >= dropped_to_ + kAhead) {
    drop(dropped_to_, keep_from);
    dropped_to_ = page_floor(keep_from);
  }
}

void MappedFile::will_read(size_t off, size_t len) {
  if (!data_ || off >= len_) return;
  if (off >= populated_from_ && off + len <= populated_to_) {
    next_read_ = off + len;
    return;
  }
  const bool sequential = off == next_read_;
  // A fault maps more than the page it hits: the pages around it
  // (fault-around) or a whole large folio, up to a 2 MiB huge page. Count a
  // scattered read as that much.
  const size_t bring = sequential ? kAhead : std::max(len, kFaultAround);
  if (resident_ + bring > kMaxResident) {
    drop(0, len_);
    resident_ = 0;
    populated_from_ = populated_to_ = 0;
  }
  if (sequential) populate(off, off + kAhead);
  resident_ += bring;
  next_read_ = off + len;
}

}  // namespace crsync::fs
