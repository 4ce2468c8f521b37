// The receiving side's backups (-b, --backup-dir, --suffix) and its other
// auxiliary directories (--temp-dir, --delay-updates): upstream backup.c
// and the directory checks of main.c do_recv.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include "base/check.h"
#include "delta/signature.h"
#include "delta/token_codec.h"
#include "flist/flist_decoder.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "session/receiving.h"
#include "session/receiving_internal.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;
using receiving_internal::Basis;
using receiving_internal::errno_text;
using receiving_internal::open_dir_nofollow;
using receiving_internal::tmp_name_for;

using receiving_internal::copy_data;

// ---------------------------------------------------------------------------
// Backups (-b, --backup-dir, --suffix), --temp-dir and the --delay-updates
// directory (upstream backup.c, main.c do_recv, util1.c)

namespace {

// The path's components, without empty and "." ones.
std::vector<std::string> path_components(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view c = path.substr(i, j - i);
    if (!c.empty() && c != ".") out.emplace_back(c);
    i = j + 1;
  }
  return out;
}

// Removes `name` in `dirfd`, a directory with all it holds (the backup
// tree's own clean-up; nothing is followed).
bool remove_tree(int dirfd, const std::string& name) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT;
  if (!S_ISDIR(st.st_mode)) return ::unlinkat(dirfd, name.c_str(), 0) == 0;
  const int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return false;
  }
  std::vector<std::string> names;
  while (const dirent* de = ::readdir(d)) {
    const std::string n = de->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  bool ok = true;
  for (const auto& n : names) ok = remove_tree(::dirfd(d), n) && ok;
  ::closedir(d);
  return ok && ::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) == 0;
}

}  // namespace

bool receiving_internal::copy_data(int in, int out) {
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(in, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    for (ssize_t off = 0; off < n;) {
      const ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += w;
    }
  }
}

Status ReceivingSide::open_aux_dirs() {
  const Options& o = c_.opts;
  if (dest_.fd() < 0) return Status::Ok();  // a dry run into a missing destination
  const int root = dest_.fd();
  const std::string bdir = o.making_backups() ? o.backup_dir_used() : std::string();
  if (!bdir.empty()) {
    // Upstream keeps "DIR/" and prints it without the last slash. A
    // relative DIR is relative to the destination.
    backup_shown_ = bdir.back() == '/' ? bdir : bdir + "/";
    const std::string name = backup_shown_.size() > 1
                                 ? backup_shown_.substr(0, backup_shown_.size() - 1)
                                 : backup_shown_;
    struct stat st {};
    if (::fstatat(root, name.c_str(), &st, 0) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        c_.output->error("The backup-dir is not a directory: " + name + "\n");
        return Status::Error(ExitCode::kSyntax, "");
      }
      if (o.verbose >= 2) c_.output->info("backup_dir is " + name + "\n");
      backup_root_ = fs::Fd(::openat(root, name.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!backup_root_.valid()) {
        c_.output->error("Failed to open " + name + ": " + std::strerror(errno) + "\n");
        return Status::Error(ExitCode::kFileIo, "");
      }
    } else if (errno != ENOENT) {
      c_.output->error("Failed to stat " + name + ": " + std::strerror(errno) + "\n");
      return Status::Error(ExitCode::kFileIo, "");
    } else {
      if (o.verbose >= 2) c_.output->info("(new) backup_dir is " + name + "\n");
      // It is made when the first backup needs it, beneath the deepest part
      // that exists now (so nothing a transfer creates can redirect it).
      fs::Fd cur(::openat(root, name[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
      const std::vector<std::string> comps = path_components(name);
      size_t i = 0;
      for (; i < comps.size() && cur.valid(); ++i) {
        fs::Fd next(::openat(cur.get(), comps[i].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!next.valid()) break;
        cur = std::move(next);
      }
      backup_root_ = std::move(cur);
      backup_missing_.assign(comps.begin() + static_cast<std::ptrdiff_t>(i), comps.end());
    }
  }
  if (!o.temp_dir.empty()) {
    const std::string& t = o.temp_dir;
    struct stat st {};
    const int rc = ::fstatat(root, t.c_str(), &st, 0);
    if (rc == 0 && !S_ISDIR(st.st_mode)) {
      c_.output->error("The temp-dir is not a directory: " + t + "\n");
      return Status::Error(ExitCode::kSyntax, "");
    }
    if (rc != 0 && errno == ENOENT) {
      c_.output->error("The temp-dir does not exist: " + t + "\n");
      return Status::Error(ExitCode::kSyntax, "");
    }
    if (rc != 0) {
      c_.output->error("Failed to stat temp-dir " + t + ": " + std::strerror(errno) + "\n");
      return Status::Error(ExitCode::kFileIo, "");
    }
    temp_dir_ = fs::Fd(::openat(root, t.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!temp_dir_.valid()) {
      c_.output->error("Failed to open temp-dir " + t + ": " + std::strerror(errno) + "\n");
      return Status::Error(ExitCode::kFileIo, "");
    }
  }
  return Status::Ok();
}

bool ReceivingSide::backup_location(const std::string& rel, bool create, fs::Fd* dir,
                                    std::string* name, std::string* shown) {
  const std::string suffix = c_.opts.backup_suffix();
  const size_t slash = rel.rfind('/');
  const std::string rdir = slash == std::string::npos ? std::string() : rel.substr(0, slash);
  *name = (slash == std::string::npos ? rel : rel.substr(slash + 1)) + suffix;
  if (backup_shown_.empty()) {
    // Next to the file.
    std::string base;
    *shown = rel + suffix;
    return dest_.open_parent(rel, dir, &base).ok();
  }
  *shown = backup_shown_ + rel + suffix;
  if (!backup_root_.valid()) {
    if (create) c_.output->error("rsync: [receiver] no backup directory for " + *shown + "\n");
    return false;
  }
  if (!backup_missing_.empty()) {
    if (!create) return false;
    fs::Fd cur(::dup(backup_root_.get()));
    std::string made = backup_shown_.substr(0, backup_shown_.size() - 1);
    for (const auto& comp : backup_missing_) {
      if (::mkdirat(cur.get(), comp.c_str(), 0777) != 0 && errno != EEXIST) {
        c_.output->error("rsync: [receiver] mkdir \"" + made + "\" failed: " + errno_text(errno) +
                         "\n");
        return false;
      }
      fs::Fd next = open_dir_nofollow(cur.get(), comp);
      if (!next.valid()) {
        c_.output->error("rsync: [receiver] mkdir \"" + made + "\" failed: " + errno_text(errno) +
                         "\n");
        return false;
      }
      cur = std::move(next);
    }
    backup_root_ = std::move(cur);
    backup_missing_.clear();
  }
  // rel's directories beneath the backup root, never through a symlink.
  // A missing one is made with the attributes of the destination's own;
  // anything else in its place is removed first (upstream copy_valid_path).
  fs::Fd cur(::dup(backup_root_.get()));
  std::string sofar;
  for (const auto& comp : path_components(rdir)) {
    sofar += (sofar.empty() ? "" : "/") + comp;
    fs::Fd next = open_dir_nofollow(cur.get(), comp);
    if (!next.valid()) {
      if (!create) return false;
      const std::string shown_dir = backup_shown_ + sofar;
      if (errno == ENOTDIR || errno == ELOOP) {
        if (!remove_tree(cur.get(), comp)) {
          c_.output->error(
              "rsync: [receiver] could not make way for backup directory: " + shown_dir + "\n");
          c_.output->note_xfer_error();
          return false;
        }
      } else if (errno != ENOENT) {
        c_.output->error("rsync: [receiver] backup lstat " + shown_dir +
                         " failed: " + errno_text(errno) + "\n");
        return false;
      }
      if (::mkdirat(cur.get(), comp.c_str(), 0777) != 0 && errno != EEXIST) {
        c_.output->error("rsync: [receiver] backup mkdir " + shown_dir +
                         " failed: " + errno_text(errno) + "\n");
        return false;
      }
      next = open_dir_nofollow(cur.get(), comp);
      if (!next.valid()) {
        c_.output->error("rsync: [receiver] backup mkdir " + shown_dir +
                         " failed: " + errno_text(errno) + "\n");
        return false;
      }
      struct stat dst {};
      bool exists = false;
      if (dest_.lstat(sofar, &dst, &exists).ok() && exists) {
        const Options& o = c_.opts;
        const bool own = o.preserve_uid && ::geteuid() == 0;
        if (own || o.preserve_gid)
          (void)::fchownat(cur.get(), comp.c_str(), own ? dst.st_uid : static_cast<uid_t>(-1),
                           o.preserve_gid ? dst.st_gid : static_cast<gid_t>(-1),
                           AT_SYMLINK_NOFOLLOW);
        (void)::fchmodat(cur.get(), comp.c_str(), dst.st_mode & 07777, 0);
        if (o.preserve_mtimes && !o.omits_dir_times()) {
          timespec ts[2];
          ts[0].tv_sec = 0;
          ts[0].tv_nsec = UTIME_OMIT;
          ts[1] = dst.st_mtim;
          (void)::utimensat(cur.get(), comp.c_str(), ts, AT_SYMLINK_NOFOLLOW);
        }
      }
    }
    cur = std::move(next);
  }
  *dir = std::move(cur);
  return true;
}

ReceivingSide::BackupResult ReceivingSide::copy_to_backup(int src_dir, const std::string& src,
                                                          const struct stat& st, int dir,
                                                          const std::string& name,
                                                          const std::string& rel,
                                                          const std::string& shown) {
  const Options& o = c_.opts;
  const bool root = ::geteuid() == 0;
  if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) {
    c_.output->error("rsync: [receiver] unlink \"" + shown + "\" failed: " + errno_text(errno) +
                     "\n");
    c_.output->note_xfer_error();
    return BackupResult::kFailed;
  }
  if (S_ISREG(st.st_mode)) {
    fs::Fd in(::openat(src_dir, src.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    fs::Fd out;
    if (in.valid())
      out = fs::Fd(
          ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!in.valid() || !out.valid() || !copy_data(in.get(), out.get())) {
      c_.output->error("rsync: [receiver] keep_backup failed: \"" + rel + "\" -> \"" + shown +
                       "\": " + errno_text(errno) + "\n");
      if (out.valid()) ::unlinkat(dir, name.c_str(), 0);
      return BackupResult::kFailed;
    }
    if ((o.preserve_uid && root) || o.preserve_gid)
      (void)::fchown(out.get(), o.preserve_uid && root ? st.st_uid : static_cast<uid_t>(-1),
                     o.preserve_gid ? st.st_gid : static_cast<gid_t>(-1));
    (void)::fchmod(out.get(), st.st_mode & 07777);
    if (o.preserve_mtimes) {
      timespec ts[2];
      ts[0].tv_sec = 0;
      ts[0].tv_nsec = UTIME_OMIT;
      ts[1] = st.st_mtim;
      (void)::futimens(out.get(), ts);
    }
    return BackupResult::kKept;
  }
  bool made = false;
  if (S_ISLNK(st.st_mode) && o.preserve_links) {
    char target[wire::kMaxPathLen];
    const ssize_t n = ::readlinkat(src_dir, src.c_str(), target, sizeof target - 1);
    const std::string t = n >= 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
    if (n < 0 || ::symlinkat(t.c_str(), dir, name.c_str()) != 0)
      c_.output->error("rsync: [receiver] link \"" + shown + "\" -> \"" + t +
                       "\": " + errno_text(errno) + "\n");
    else
      made = true;
  } else if (((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && root && o.preserve_devices) ||
             ((S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) && o.preserve_specials)) {
    if (::mknodat(dir, name.c_str(), st.st_mode, st.st_rdev) != 0)
      c_.output->error("rsync: [receiver] mknod \"" + shown + "\" failed: " + errno_text(errno) +
                       "\n");
    else
      made = true;
  } else {
    if (!o.quiet) c_.output->info("make_bak: skipping non-regular file " + rel + "\n");
    return BackupResult::kNone;
  }
  if (made) {
    if ((o.preserve_uid && root) || o.preserve_gid)
      (void)::fchownat(dir, name.c_str(),
                       o.preserve_uid && root ? st.st_uid : static_cast<uid_t>(-1),
                       o.preserve_gid ? st.st_gid : static_cast<gid_t>(-1), AT_SYMLINK_NOFOLLOW);
    if (o.preserve_mtimes && !(S_ISLNK(st.st_mode) && o.omit_link_times)) {
      timespec ts[2];
      ts[0].tv_sec = 0;
      ts[0].tv_nsec = UTIME_OMIT;
      ts[1] = st.st_mtim;
      (void)::utimensat(dir, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    }
  }
  return BackupResult::kKept;
}

ReceivingSide::BackupResult ReceivingSide::make_backup(const std::string& rel, BackupHow how) {
  std::lock_guard<std::mutex> lock(backup_mu_);
  fs::Fd parent;
  std::string base;
  if (!dest_.open_parent(rel, &parent, &base).ok()) return BackupResult::kNone;
  struct stat st {};
  if (::fstatat(parent.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return BackupResult::kNone;  // nothing to keep
  fs::Fd bdir;
  std::string bname, shown;
  if (!backup_location(rel, true, &bdir, &bname, &shown)) return BackupResult::kFailed;
  // A hard link keeps the item in place (the caller replaces it); a
  // rename moves it away. Only a regular file is renamed when linking
  // fails, and a link or rename refused by an item at the backup's name
  // is retried once that is gone.
  const auto link_or_rename = [&]() {
    if (how == BackupHow::kLinkFirst) {
      if (::linkat(parent.get(), base.c_str(), bdir.get(), bname.c_str(), 0) == 0)
        return BackupResult::kKept;
      if (!S_ISREG(st.st_mode) || errno == EEXIST || errno == EISDIR) return BackupResult::kFailed;
    }
    if (::renameat(parent.get(), base.c_str(), bdir.get(), bname.c_str()) == 0) {
      // Renaming one name of an inode onto another of the same inode does
      // nothing: the original must still go.
      if (st.st_nlink > 1) ::unlinkat(parent.get(), base.c_str(), 0);
      return BackupResult::kMoved;
    }
    return BackupResult::kFailed;
  };
  BackupResult r = BackupResult::kFailed;
  if (how != BackupHow::kCopy) {
    r = link_or_rename();
    if (r == BackupResult::kFailed && (errno == EEXIST || errno == EISDIR)) {
      if (!remove_tree(bdir.get(), bname)) {
        c_.output->error("rsync: [receiver] delete_file: unlink(" + shown +
                         ") failed: " + errno_text(errno) + "\n");
        c_.output->note_xfer_error();
        return BackupResult::kFailed;
      }
      r = link_or_rename();
    }
  }
  if (r == BackupResult::kFailed) {
    r = copy_to_backup(parent.get(), base, st, bdir.get(), bname, rel, shown);
    if (r != BackupResult::kKept) return r;
  }
  if (c_.opts.verbose >= 2) c_.output->info("backed up " + rel + " to " + shown + "\n");
  return r;
}

}  // namespace crsync::session
