#include "fs/fake_super.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace crsync::fs {
namespace {

// Upstream reads the value into a 256-byte buffer: a longer one is an
// error (ERANGE), like a missing one.
constexpr size_t kMaxValue = 255;

bool is_device(mode_t m) {
  return S_ISCHR(m) || S_ISBLK(m);
}
bool is_special(mode_t m) {
  return S_ISFIFO(m) || S_ISSOCK(m);
}

std::string errno_text(int e) {
  return std::string(std::strerror(e)) + " (" + std::to_string(e) + ")";
}

// One conversion of scanf's %o / %d: blanks, an optional sign, at least one
// digit. The value wraps to 32 bits as glibc's conversion into an int does
// (after saturating at the range of a long).
bool scan_number(std::string_view s, size_t* pos, int base, uint32_t* out) {
  size_t i = *pos;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  const size_t first = i;
  unsigned long long v = 0;
  bool saturated = false;
  while (i < s.size() && s[i] >= '0' && s[i] < '0' + base) {
    const unsigned d = static_cast<unsigned>(s[i] - '0');
    if (v > (ULLONG_MAX - d) / static_cast<unsigned>(base))
      saturated = true;
    else
      v = v * static_cast<unsigned>(base) + d;
    ++i;
  }
  if (i == first) return false;
  if (base == 10) {
    // strtol: saturates at LONG_MAX / LONG_MIN.
    long long sv;
    if (saturated || v > static_cast<unsigned long long>(LLONG_MAX))
      sv = neg ? LLONG_MIN : LLONG_MAX;
    else
      sv = neg ? -static_cast<long long>(v) : static_cast<long long>(v);
    *out = static_cast<uint32_t>(sv);
  } else {
    // strtoul: saturates at ULONG_MAX, then negates.
    if (saturated) v = ULLONG_MAX;
    *out = static_cast<uint32_t>(neg ? 0 - v : v);
  }
  *pos = i;
  return true;
}

bool scan_literal(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// The stored value of an open file, a path, or dirfd/name; the length, or
// -1 with errno.
ssize_t read_value(int dirfd, const char* name, const std::string* path, int fd, char* buf) {
  if (fd >= 0) return ::fgetxattr(fd, kFakeStatXattr, buf, kMaxValue);
  if (path) return ::lgetxattr(path->c_str(), kFakeStatXattr, buf, kMaxValue);
  // No lgetxattrat: the file is opened (never followed) to read it. Only
  // regular files and directories get here, and reading a user xattr
  // needs read permission, as opening does.
  const int f = ::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (f < 0) return -1;
  const ssize_t n = ::fgetxattr(f, kFakeStatXattr, buf, kMaxValue);
  const int e = errno;
  ::close(f);
  errno = e;
  return n;
}

// upstream get_stat_xattr: 1 when *st now holds the stored attributes, 0
// when there are none (or they could not be read), an error when corrupt.
Result<int> get_stat(int dirfd, const char* name, const std::string* path, int fd, struct stat* st,
                     const std::string& shown) {
  if (is_device(st->st_mode) || is_special(st->st_mode)) return 0;
  // Linux keeps no user xattrs on a symlink (reading one finds none).
  if (S_ISLNK(st->st_mode)) return 0;
  char buf[kMaxValue + 1];
  const ssize_t n = read_value(dirfd, name, path, fd, buf);
  if (n < 0) return 0;
  const std::string_view text(buf, static_cast<size_t>(n));
  const auto fs = parse_fake_stat(text);
  if (!fs) {
    // (The text up to a NUL, as upstream prints its buffer.)
    return Status::Error(ExitCode::kFileIo, std::string("Corrupt ") + kFakeStatXattr +
                                                " xattr attached to \"" + shown + "\": \"" +
                                                std::string(text.substr(0, text.find('\0'))) +
                                                "\"");
  }
  st->st_mode = fs->mode;
  st->st_rdev = makedev(fs->rdev_major, fs->rdev_minor);
  st->st_uid = fs->uid;
  st->st_gid = fs->gid;
  return 1;
}

// Sets or removes the value on fd, or on dirfd/name.
int change_value(int dirfd, const std::string& name, int fd, const std::string* value) {
  int f = fd;
  if (f < 0) {
    f = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (f < 0) return -1;
  }
  const int r = value ? ::fsetxattr(f, kFakeStatXattr, value->data(), value->size(), 0)
                      : ::fremovexattr(f, kFakeStatXattr);
  const int e = errno;
  if (f != fd) ::close(f);
  errno = e;
  return r;
}

}  // namespace

std::string format_fake_stat(const FakeStat& s) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%o %u,%u %u:%u", s.mode, s.rdev_major, s.rdev_minor, s.uid,
                s.gid);
  return buf;
}

std::optional<FakeStat> parse_fake_stat(std::string_view text) {
  // sscanf stops at a NUL.
  text = text.substr(0, text.find('\0'));
  FakeStat s;
  size_t i = 0;
  if (!scan_number(text, &i, 8, &s.mode)) return std::nullopt;
  // The blank in the format matches any run of blanks, even none.
  if (!scan_number(text, &i, 10, &s.rdev_major) || !scan_literal(text, &i, ',') ||
      !scan_number(text, &i, 10, &s.rdev_minor) || !scan_number(text, &i, 10, &s.uid) ||
      !scan_literal(text, &i, ':') || !scan_number(text, &i, 10, &s.gid))
    return std::nullopt;
  return s;
}

Status overlay_fake_stat(int dirfd, const char* name, struct stat* st, const std::string& shown) {
  const auto r = get_stat(dirfd, name, nullptr, -1, st, shown);
  return r.ok() ? Status::Ok() : r.status();
}

Status overlay_fake_stat_path(const std::string& path, struct stat* st) {
  const auto r = get_stat(-1, nullptr, &path, -1, st, path);
  return r.ok() ? Status::Ok() : r.status();
}

bool store_fake_stat(int dirfd, const std::string& name, int fd, mode_t mode, dev_t rdev, uid_t uid,
                     gid_t gid, const std::string& shown, std::string* error) {
  struct stat fst {};
  if ((fd >= 0 ? ::fstat(fd, &fst) : ::fstatat(dirfd, name.c_str(), &fst, AT_SYMLINK_NOFOLLOW)) !=
      0) {
    *error = "failed to re-stat \"" + shown + "\": " + errno_text(errno);
    return false;
  }
  struct stat xst = fst;
  auto got = get_stat(dirfd, name.c_str(), nullptr, fd, &xst, shown);
  if (!got.ok()) {
    *error = std::string(got.status().message());
    return false;
  }
  // (A stored mode of 0 counts as none, as upstream's x_lstat says it.)
  const bool have_stored = *got == 1 && xst.st_mode != 0;

  fst.st_mode &= S_IFMT | 07777;
  const mode_t fmode = mode & (S_IFMT | 07777);
  if (!is_device(fmode)) rdev = 0;
  // The special bits go to the xattr; the owner keeps full access.
  const mode_t real =
      (fst.st_mode & S_IFMT) | (fmode & 0777) | (S_ISDIR(fst.st_mode) ? 0700 : 0600);
  if (fst.st_mode != real && !S_ISLNK(fst.st_mode)) {
    if (fd >= 0)
      (void)::fchmod(fd, real & 07777);
    else
      (void)::fchmodat(dirfd, name.c_str(), real & 07777, 0);
  }
  if (!is_device(fst.st_mode)) fst.st_rdev = 0;

  if (real == fmode && fst.st_rdev == rdev && fst.st_uid == uid && fst.st_gid == gid) {
    if (have_stored && change_value(dirfd, name, fd, nullptr) != 0) {
      *error = "delete of stat xattr failed for \"" + shown + "\": " + errno_text(errno);
      return false;
    }
    return true;
  }
  if (!have_stored || xst.st_mode != fmode || xst.st_rdev != rdev || xst.st_uid != uid ||
      xst.st_gid != gid) {
    const std::string value = format_fake_stat(
        {fmode, major(rdev), minor(rdev), static_cast<uint32_t>(uid), static_cast<uint32_t>(gid)});
    if (change_value(dirfd, name, fd, &value) != 0) {
      if (errno == EPERM && S_ISLNK(fst.st_mode)) return true;
      *error = std::string("failed to write xattr ") + kFakeStatXattr + " for \"" + shown +
               "\": " + errno_text(errno);
      return false;
    }
  }
  return true;
}

int make_fake_file(int dirfd, const std::string& name, std::string_view content) {
  const int fd = ::openat(dirfd, name.c_str(),
                          O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return -1;
  const ssize_t w = ::write(fd, content.data(), content.size());
  int e = w < 0 ? errno : EIO;
  bool ok = w == static_cast<ssize_t>(content.size());
  if (::close(fd) != 0) {
    if (ok) e = errno;
    ok = false;
  }
  if (!ok) errno = e;
  return ok ? 0 : -1;
}

namespace {
ssize_t read_link_from(int fd, char* buf, size_t size) {
  const ssize_t n = ::read(fd, buf, size);
  const int e = errno;
  ::close(fd);
  errno = e;
  return n;
}
}  // namespace

ssize_t read_fake_link(int dirfd, const char* name, char* buf, size_t size, bool sender) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd >= 0) return read_link_from(fd, buf, size);
  if (errno != ELOOP) return -1;
  // A real symlink: the receiving side turns it into a fake one.
  if (!sender) return 0;
  return ::readlinkat(dirfd, name, buf, size);
}

ssize_t read_fake_link_path(const std::string& path, char* buf, size_t size, bool sender) {
  return read_fake_link(AT_FDCWD, path.c_str(), buf, size, sender);
}

}  // namespace crsync::fs
