#include "fs/dest_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fs/fake_super.h"

namespace crsync::fs {
namespace {

bool openat2_works = true;

std::string err_text(const char* what, std::string_view name) {
  return std::string(what) + " \"" + std::string(name) + "\" failed: " + std::strerror(errno) +
         " (" + std::to_string(errno) + ")";
}

bool has_dot_dot(std::string_view rel) {
  size_t i = 0;
  while (i <= rel.size()) {
    size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    if (rel.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

// Fallback walk: each directory component opened with O_NOFOLLOW.
Result<Fd> walk(int dirfd, std::string_view rel, int flags, mode_t mode) {
  Fd cur(::dup(dirfd));
  if (!cur.valid()) return Status::Error(ExitCode::kFileIo, err_text("dup", rel));
  size_t i = 0;
  while (true) {
    size_t j = rel.find('/', i);
    const bool last = j == std::string_view::npos;
    if (last) j = rel.size();
    const std::string comp(rel.substr(i, j - i));
    if (comp.empty() || comp == ".") {
      if (last) {
        Fd out(::openat(cur.get(), ".", flags | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!out.valid()) return Status::Error(ExitCode::kFileIo, err_text("open", rel));
        return out;
      }
      i = j + 1;
      continue;
    }
    if (last) {
      Fd out(::openat(cur.get(), comp.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
      if (!out.valid()) return Status::Error(ExitCode::kFileIo, err_text("open", rel));
      return out;
    }
    Fd next(::openat(cur.get(), comp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return Status::Error(ExitCode::kFileIo, err_text("open", rel));
    cur = std::move(next);
    i = j + 1;
  }
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Result<Fd> open_beneath(int dirfd, std::string_view rel, int flags, mode_t mode) {
  if (!rel.empty() && rel.front() == '/')
    return Status::Error(ExitCode::kProtocol, "absolute path refused: " + std::string(rel));
  if (has_dot_dot(rel))
    return Status::Error(ExitCode::kProtocol, "path with .. refused: " + std::string(rel));
  const std::string path = rel.empty() ? std::string(".") : std::string(rel);
  if (openat2_works) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
    const long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return Fd(static_cast<int>(fd));
    if (errno == ENOSYS) {
      openat2_works = false;
    } else {
      return Status::Error(ExitCode::kFileIo, err_text("open", rel));
    }
  }
  return walk(dirfd, path, flags, mode);
}

Result<DestRoot> DestRoot::open(const std::string& path, bool create) {
  DestRoot d;
  d.path_ = path;
  int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST)
      return Status::Error(ExitCode::kFileIo, err_text("mkdir", path));
    fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0) return Status::Error(ExitCode::kFileIo, err_text("change_dir", path));
  d.root_ = Fd(fd);
  return d;
}

void DestRoot::add_dirlink(std::string rel, Fd dir) {
  {
    std::lock_guard lock(dirlinks_->mu);
    dirlinks_->by_rel[std::move(rel)] = std::move(dir);
  }
  forget_lstat_dir();  // names beneath rel now resolve elsewhere
}

bool DestRoot::is_dirlink(std::string_view rel) const {
  std::lock_guard lock(dirlinks_->mu);
  return dirlinks_->by_rel.find(rel) != dirlinks_->by_rel.end();
}

// (A map node never moves or goes away, so the fd stays valid unlocked.)
int DestRoot::anchor(std::string_view rel, std::string_view* rest) const {
  *rest = rel;
  std::lock_guard lock(dirlinks_->mu);
  if (dirlinks_->by_rel.empty()) return root_.get();
  // Try rel itself, then each shorter prefix ending before a slash.
  std::string_view prefix = rel;
  while (!prefix.empty()) {
    auto it = dirlinks_->by_rel.find(prefix);
    if (it != dirlinks_->by_rel.end()) {
      *rest = prefix.size() == rel.size() ? std::string_view() : rel.substr(prefix.size() + 1);
      return it->second.get();
    }
    const size_t slash = prefix.rfind('/');
    if (slash == std::string_view::npos) break;
    prefix = prefix.substr(0, slash);
  }
  return root_.get();
}

Status DestRoot::open_parent(std::string_view rel, Fd* parent, std::string* base) const {
  const size_t slash = rel.rfind('/');
  const std::string_view dir =
      slash == std::string_view::npos ? std::string_view() : rel.substr(0, slash);
  *base = std::string(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  if (*base == "..") return Status::Error(ExitCode::kProtocol, "path with .. refused");
  std::string_view rest;
  const int at = anchor(dir, &rest);
  CRSYNC_ASSIGN_OR_RETURN(*parent, open_beneath(at, rest, O_PATH | O_DIRECTORY));
  return Status::Ok();
}
Status DestRoot::cached_parent(std::string_view rel, ParentCache* cache, int* parent,
                               std::string* base) const {
  const size_t slash = rel.rfind('/');
  const std::string_view dir =
      slash == std::string_view::npos ? std::string_view() : rel.substr(0, slash);
  const uint64_t gen = lstat_dir_->generation.load(std::memory_order_acquire);
  if (!cache->valid || cache->generation != gen || cache->dir != dir) {
    cache->valid = false;
    cache->fd = Fd();
    Fd fd;
    CRSYNC_RETURN_IF_ERROR(open_parent(rel, &fd, base));
    cache->fd = std::move(fd);
    cache->dir.assign(dir);
    cache->generation = gen;
    cache->valid = true;
  } else {
    *base = std::string(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
    if (*base == "..") return Status::Error(ExitCode::kProtocol, "path with .. refused");
  }
  *parent = cache->fd.get();
  return Status::Ok();
}

Status DestRoot::lstat(std::string_view rel, struct stat* st, bool* exists) const {
  const size_t slash = rel.rfind('/');
  const std::string_view dir =
      slash == std::string_view::npos ? std::string_view() : rel.substr(0, slash);
  const std::string base(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  if (base == "..") return Status::Error(ExitCode::kProtocol, "path with .. refused");
  // A kept dirlink stats as the directory it points at (upstream link_stat
  // with follow_dirlinks).
  const int flags = is_dirlink(rel) ? 0 : AT_SYMLINK_NOFOLLOW;
  std::lock_guard lock(lstat_dir_->mu);
  if (!lstat_dir_->valid || lstat_dir_->rel != dir) {
    lstat_dir_->valid = false;
    std::string_view rest;
    const int at = anchor(dir, &rest);
    Result<Fd> parent = open_beneath(at, rest, O_PATH | O_DIRECTORY);
    if (!parent.ok()) {
      if (errno == ENOENT || errno == ENOTDIR) {
        *exists = false;
        return Status::Ok();
      }
      return parent.status();
    }
    lstat_dir_->fd = std::move(parent).value();
    lstat_dir_->rel.assign(dir);
    lstat_dir_->valid = true;
  }
  const char* name = base.empty() || base == "." ? "." : base.c_str();
  if (::fstatat(lstat_dir_->fd.get(), name, st, flags) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      *exists = false;
      return Status::Ok();
    }
    return Status::Error(ExitCode::kFileIo, err_text("lstat", rel));
  }
  if (fake_super_)
    CRSYNC_RETURN_IF_ERROR(overlay_fake_stat(lstat_dir_->fd.get(), name, st, std::string(rel)));
  *exists = true;
  return Status::Ok();
}

void DestRoot::forget_lstat_dir() const {
  std::lock_guard lock(lstat_dir_->mu);
  lstat_dir_->valid = false;
  lstat_dir_->fd = Fd();
  lstat_dir_->generation.fetch_add(1, std::memory_order_release);
}

Result<Fd> DestRoot::open_read(std::string_view rel) const {
  return open_rel(rel, O_RDONLY);
}

Result<Fd> DestRoot::open_rel(std::string_view rel, int flags) const {
  std::string_view rest;
  const int at = anchor(rel, &rest);
  return open_beneath(at, rest, flags);
}

}  // namespace crsync::fs
