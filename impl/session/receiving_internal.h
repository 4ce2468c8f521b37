// Helpers shared by the receiving side's files (receiving.cc,
// generator.cc, receiver.cc, receive_file.cc, ...); not part of any
// interface.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "base/bytes.h"
#include "flist/file_entry.h"
#include "fs/dest_root.h"
#include "fs/mapped_file.h"

namespace crsync::session::receiving_internal {

inline std::string errno_text(int e) {
  return std::string(std::strerror(e)) + " (" + std::to_string(e) + ")";
}

// An existing directory `name` in `dirfd`, never through a symlink.
// Copies all of `in` to `out` (both file descriptors); false on an error.
bool copy_data(int in, int out);

inline fs::Fd open_dir_nofollow(int dirfd, const std::string& name) {
  fs::Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() && errno == EACCES)
    fd = fs::Fd(::openat(dirfd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  return fd;
}

// A read-only mapping of a basis file (empty for size 0), its resident
// pages kept to a window (fs::MappedFile).
struct Basis {
  fs::MappedFile file;
  size_t len = 0;
  bool map(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    len = static_cast<size_t>(st.st_size);
    if (!file.map(fd, len).ok()) {
      len = 0;
      return false;
    }
    return true;
  }
  ByteSpan span() const { return file.span(); }
};

// A temporary name for `base`: ".base.XXXXXX" next to the file, or
// "base.XXXXXX" (no added dot) in a --temp-dir.
inline std::string tmp_name_for(const std::string& base, bool dotted = true) {
  static thread_local std::mt19937 rng(std::random_device{}());
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string b = base;
  if (dotted && !b.empty() && b[0] == '.') b.erase(0, 1);
  if (b.size() > 247) b.resize(247);
  if (!b.empty() && b.back() == '.') b.pop_back();
  std::string out = (dotted ? "." : "") + b + ".";
  for (int i = 0; i < 6; ++i) out += kChars[rng() % (sizeof kChars - 1)];
  return out;
}

}  // namespace crsync::session::receiving_internal
