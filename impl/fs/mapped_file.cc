#include "fs/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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

}  // namespace

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), len_);
}

Status MappedFile::map(int fd, size_t len) {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), len_);
  data_ = nullptr;
  len_ = 0;
  populated_from_ = populated_to_ = dropped_to_ = next_read_ = resident_ = 0;
  if (len == 0) return Status::Ok();
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return Status::Error(ExitCode::kFileIo, std::strerror(errno));
  data_ = static_cast<const uint8_t*>(p);
  len_ = len;
  return Status::Ok();
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
