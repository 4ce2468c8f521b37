// --compare-dest, --copy-dest and --link-dest on the receiving side
// (upstream main.c check_alt_basis_dirs, generator.c try_dests_reg,
// try_dests_non and copy_altdest_file): the basis directories are searched,
// in the order given, for an entry missing from the destination. An exact
// match (same content by the quick check, same attributes) is hard-linked
// (--link-dest), copied (--copy-dest) or left out of the destination
// (--compare-dest); a file that differs is the basis of the transfer, named
// to the sender by its directory's index.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "checksum/hasher.h"
#include "session/receiving.h"
#include "session/receiving_internal.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;
using receiving_internal::Basis;
using receiving_internal::errno_text;
using receiving_internal::tmp_name_for;

namespace {

// "a/./b//" -> "a/b": the absolute form of a relative destination, the way
// upstream's curr_dir names it.
std::string absolute_dir(const std::string& dir) {
  std::string in = dir;
  if (in.empty() || in[0] != '/') {
    char cwd[PATH_MAX];
    in = std::string(::getcwd(cwd, sizeof cwd) ? cwd : ".") + "/" + in;
  }
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    size_t j = in.find('/', i);
    if (j == std::string::npos) j = in.size();
    const std::string_view comp(in.data() + i, j - i);
    if (!comp.empty() && comp != ".") {
      out += '/';
      out += comp;
    }
    i = j + 1;
  }
  return out.empty() ? "/" : out;
}

enum class FileType { kReg, kDir, kSymlink, kDevice, kSpecial, kOther };

FileType type_of(mode_t m) {
  if (S_ISREG(m)) return FileType::kReg;
  if (S_ISDIR(m)) return FileType::kDir;
  if (S_ISLNK(m)) return FileType::kSymlink;
  if (S_ISCHR(m) || S_ISBLK(m)) return FileType::kDevice;
  if (S_ISFIFO(m) || S_ISSOCK(m)) return FileType::kSpecial;
  return FileType::kOther;
}

}  // namespace

// upstream generate_files' `itemizing` and `maybe_ATTRS_REPORT`: from 29
// every item goes to the sender, which prints it; below, a client prints
// its own items when they are asked for (%i), a server none.
bool ReceivingSide::alt_itemizing() const {
  return c_.protocol() >= 29 || (!c_.am_server && c_.opts.item_format.has_i > 0);
}
bool ReceivingSide::alt_attrs_report() const {
  return (c_.protocol() < 29 && c_.am_server) || c_.opts.item_format.has_i == 0;
}

void ReceivingSide::open_basis_dirs() {
  const Options& o = c_.opts;
  basis_dirs_.clear();
  if (o.basis_dirs.empty()) return;
  const std::string opt = alt_dest_option(o.alt_dest);
  // A daemon's are already confined to the module, relative to the
  // destination; the others are made absolute against it (3.5.0).
  const bool confined = static_cast<bool>(o.daemon_filter);
  const std::string cur = absolute_dir(dest_dir_.empty() ? "." : dest_dir_);
  for (std::string d : o.basis_dirs) {
    if (d.size() > 1 && d.back() == '/') d.pop_back();
    BasisDir b;
    if (!d.empty() && d[0] != '/' && !confined) {
      // A dry run into a missing destination: the first "../" is taken off
      // against its parent, as if it had been made.
      const size_t slash = cur.rfind('/');
      if (dest_missing_in_dry_run_ && d.compare(0, 3, "../") == 0 && slash != std::string::npos)
        d = (slash == 0 ? "" : cur.substr(0, slash)) + "/" + d.substr(3);
      else
        d = (cur == "/" ? "" : cur) + "/" + d;
    }
    b.shown = d;
    // Relative names (a daemon's) resolve against the destination.
    const std::string path = d[0] == '/' || dest_dir_.empty() ? d : dest_dir_ + "/" + d;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      c_.output->warning(opt + " arg does not exist: " + d + "\n");
    else if (!S_ISDIR(st.st_mode))
      c_.output->warning(opt + " arg is not a dir: " + d + "\n");
    else if (auto root = fs::DestRoot::open(path, false); root.ok())
      b.root = std::make_unique<fs::DestRoot>(std::move(*root));
    basis_dirs_.push_back(std::move(b));
  }
}

bool ReceivingSide::basis_dir_lstat(size_t j, const std::string& rel, struct stat* st) const {
  if (j >= basis_dirs_.size() || !basis_dirs_[j].root) return false;
  bool exists = false;
  return basis_dirs_[j].root->lstat(rel, st, &exists).ok() && exists;
}

fs::Fd ReceivingSide::open_in_basis_dir(size_t j, const std::string& rel) const {
  if (j >= basis_dirs_.size() || !basis_dirs_[j].root) return fs::Fd();
  auto fd = basis_dirs_[j].root->open_read(rel);
  return fd.ok() ? std::move(*fd) : fs::Fd();
}

// upstream quick_check_ok.
bool ReceivingSide::alt_quick_check(const FileEntry& e, size_t j, const std::string& rel,
                                    const struct stat& st) const {
  const Options& o = c_.opts;
  switch (type_of(st.st_mode)) {
    case FileType::kReg: {
      if (st.st_size != e.size) return false;
      if (o.always_checksum) {
        fs::Fd fd = open_in_basis_dir(j, rel);
        Basis b;
        if (!fd.valid() || !b.map(fd.get())) return false;
        checksum::Hasher hs(c_.neg.file_sum);
        fs::for_each_window(b.file, 0, b.len, [&](ByteSpan piece) { hs.update(piece); });
        checksum::DigestBuf d{};
        hs.finish(d.data());
        return std::equal(e.checksum.begin(), e.checksum.end(), d.begin());
      }
      if (o.size_only) return true;
      if (o.ignore_times) return false;
      return std::llabs(e.mtime - static_cast<int64_t>(st.st_mtim.tv_sec)) <= o.modify_window;
    }
    case FileType::kDir: return true;
    case FileType::kSymlink: {
      fs::Fd parent;
      std::string base;
      char buf[wire::kMaxPathLen];
      if (!basis_dirs_[j].root->open_parent(rel, &parent, &base).ok()) return false;
      const ssize_t n = ::readlinkat(parent.get(), base.c_str(), buf, sizeof buf);
      return n > 0 && std::string(buf, static_cast<size_t>(n)) == e.link_target;
    }
    case FileType::kSpecial: return (st.st_mode & S_IFMT) == (e.mode & S_IFMT);
    case FileType::kDevice:
      return (st.st_mode & S_IFMT) == (e.mode & S_IFMT) &&
             st.st_rdev == makedev(e.rdev_major, e.rdev_minor);
    case FileType::kOther: break;
  }
  return false;
}

// upstream unchanged_attrs (no ACLs or xattrs here; Linux cannot chmod a
// symlink).
bool ReceivingSide::alt_unchanged_attrs(const FileEntry& e, const struct stat& st) const {
  const Options& o = c_.opts;
  const bool lnk = S_ISLNK(st.st_mode);
  const bool times = o.preserve_mtimes && !(lnk && o.omit_link_times);
  if (times && std::llabs(e.mtime - static_cast<int64_t>(st.st_mtim.tv_sec)) > o.modify_window)
    return false;
  if (!lnk) {
    if (o.preserve_perms && (e.mode & 07777) != (st.st_mode & 07777)) return false;
    if (!o.preserve_perms && o.preserve_executability &&
        ((e.mode & 0111) != 0) != ((st.st_mode & 0111) != 0))
      return false;
  }
  if (o.preserve_uid && am_root_ && map_uid(e) != st.st_uid) return false;
  if (o.preserve_gid && map_gid(e) != st.st_gid) return false;
  return true;
}

// Reports an item the way upstream's itemize does from the generator.
Status ReceivingSide::alt_report(const FileEntry& e, int32_t ndx, uint32_t iflags,
                                 const std::string* xname) {
  if (gen_logs() && gen_logs_item(c_, iflags, e, false)) log_item(iflags, e, xname ? *xname : "");
  if (gen_reports_item(c_, iflags)) return send_item(ndx, iflags, xname);
  return Status::Ok();
}

// upstream copy_altdest_file: the basis file copied to a temporary file
// that is put in place with the entry's attributes (or, with --inplace,
// over the destination itself).
bool ReceivingSide::copy_from_basis_dir(const FileEntry& e, size_t j, const std::string& rel) {
  fs::Fd in = open_in_basis_dir(j, rel);
  fs::Fd parent;
  std::string base;
  if (!in.valid() || !dest_.open_parent(rel, &parent, &base).ok()) return false;
  if (c_.opts.inplace) {
    fs::Fd out(::openat(parent.get(), base.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid() || !receiving_internal::copy_data(in.get(), out.get())) return false;
    set_attrs(parent.get(), base, e, out.get(), true, true);
    return true;
  }
  fs::Fd out;
  std::string tmp;
  for (int tries = 0; tries < 10 && !out.valid(); ++tries) {
    tmp = tmp_name_for(base);
    out = fs::Fd(::openat(parent.get(), tmp.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid() && errno != EEXIST) return false;
  }
  if (!out.valid()) return false;
  if (!receiving_internal::copy_data(in.get(), out.get())) {
    ::unlinkat(parent.get(), tmp.c_str(), 0);
    return false;
  }
  return move_into_place(e, parent.get(), tmp, out.get(), parent.get(), base, rel, true);
}

Status ReceivingSide::try_dests_reg(const FileEntry& e, int32_t ndx, const std::string& rel,
                                    bool exists, const struct stat& real_st, int* result,
                                    struct stat* found) {
  *result = -1;
  const Options& o = c_.opts;
  int best = -1, level = 0;
  struct stat best_st {};
  for (size_t j = 0; j < basis_dirs_.size(); ++j) {
    struct stat st {};
    if (!basis_dir_lstat(j, rel, &st) || !S_ISREG(st.st_mode)) continue;
    if (level == 0) best = static_cast<int>(j), level = 1, best_st = st;
    if (!alt_quick_check(e, j, rel, st)) continue;
    if (level == 1) best = static_cast<int>(j), level = 2, best_st = st;
    if (alt_unchanged_attrs(e, st)) {
      best = static_cast<int>(j), level = 3, best_st = st;
      break;
    }
  }
  if (level == 0) return Status::Ok();
  const auto bj = static_cast<size_t>(best);
  const bool itemizing = alt_itemizing();
  const bool report = alt_attrs_report();
  bool link_failed = false;
  if (level == 3 && o.alt_dest != AltDest::kCopy) {
    if (exists) {
      if (o.alt_dest == AltDest::kLink && real_st.st_dev == best_st.st_dev &&
          real_st.st_ino == best_st.st_ino)
        return Status::Ok();
      fs::Fd parent;
      std::string base;
      if (!o.dry_run && dest_.open_parent(rel, &parent, &base).ok() &&
          ::unlinkat(parent.get(), base.c_str(), 0) != 0 && errno != ENOENT)
        return Status::Ok();
    }
    if (o.alt_dest == AltDest::kLink) {
      fs::Fd from_dir, to_dir;
      std::string from, to;
      int err = 0;
      if (!o.dry_run) {
        if (!basis_dirs_[bj].root->open_parent(rel, &from_dir, &from).ok() ||
            !dest_.open_parent(rel, &to_dir, &to).ok())
          err = errno ? errno : ENOENT;
        else if (::linkat(from_dir.get(), from.c_str(), to_dir.get(), to.c_str(), 0) != 0)
          err = errno;
      }
      if (err) {
        // upstream hard_link_one, terse: said only at -v, then a copy.
        if (o.info(Info::kName) >= 1)
          c_.output->info("link \"" + rel + "\" => " + basis_dirs_[bj].shown + "/" + rel +
                          " failed: " + errno_text(err) + "\n");
        link_failed = true;
      } else {
        if (!report && (o.info(Info::kName) >= 2 || o.item_format.has_i > 1)) {
          const std::string empty;
          CRSYNC_RETURN_IF_ERROR(
              alt_report(e, ndx, wire::kItemLocalChange | wire::kItemXnameFollows, &empty));
        }
        if (o.info(Info::kName) >= 2 && report) c_.output->info(rel + " is uptodate\n");
        *result = -2;
        return Status::Ok();
      }
    } else {
      if (itemizing)
        CRSYNC_RETURN_IF_ERROR(alt_report(e, ndx, itemize_existing(e, best_st), nullptr));
      if (o.info(Info::kName) >= 2 && report) c_.output->info(rel + " is uptodate\n");
      *result = -4;  // left out: nothing for -H members to link to
      return Status::Ok();
    }
  }
  if (exists && !link_failed) return Status::Ok();
  if (level >= 2) {
    if (!o.dry_run && !copy_from_basis_dir(e, bj, rel)) return Status::Ok();
    if (itemizing)
      CRSYNC_RETURN_IF_ERROR(
          alt_report(e, ndx, wire::kItemLocalChange | itemize_existing(e, best_st), nullptr));
    if (report && ((!itemizing && o.info(Info::kName) >= 1 && level == 2) ||
                   (o.info(Info::kName) >= 2 && level == 3)))
      c_.output->info(rel + (level == 3 ? " is uptodate" : "") + "\n");
    *result = -2;
    return Status::Ok();
  }
  *result = best;
  *found = best_st;
  return Status::Ok();
}

Status ReceivingSide::try_dests_non(const FileEntry& e, int32_t ndx, const std::string& rel,
                                    int* result, struct stat* found) {
  *result = -1;
  const Options& o = c_.opts;
  const FileType want = type_of(e.mode);
  int best = -1, level = 0;
  struct stat best_st {};
  for (size_t j = 0; j < basis_dirs_.size(); ++j) {
    struct stat st {};
    if (!basis_dir_lstat(j, rel, &st) || type_of(st.st_mode) != want) continue;
    if (level < 1) best = static_cast<int>(j), level = 1, best_st = st;
    if (!alt_quick_check(e, j, rel, st)) continue;
    if (level < 2) best = static_cast<int>(j), level = 2, best_st = st;
    if (alt_unchanged_attrs(e, st)) {
      best = static_cast<int>(j), level = 3, best_st = st;
      break;
    }
  }
  if (level == 0) return Status::Ok();
  *found = best_st;
  if (level < 3) {
    *result = best;
    return Status::Ok();
  }
  const auto bj = static_cast<size_t>(best);
  bool linked = false, link_failed = false;
  if (o.alt_dest == AltDest::kLink && want != FileType::kDir) {
    // Linux links symlinks and special files as they are (upstream
    // CAN_HARDLINK_SYMLINK, CAN_HARDLINK_SPECIAL). A failure is reported as
    // the unlinked match and the caller makes the entry (3.5.0's -3; 3.4.1
    // reported it as an error).
    fs::Fd from_dir, to_dir;
    std::string from, to;
    linked =
        o.dry_run || (basis_dirs_[bj].root->open_parent(rel, &from_dir, &from).ok() &&
                      dest_.open_parent(rel, &to_dir, &to).ok() &&
                      ::linkat(from_dir.get(), from.c_str(), to_dir.get(), to.c_str(), 0) == 0);
    link_failed = !linked;
  }
  if (alt_itemizing() && o.item_format.has_i &&
      (o.info(Info::kName) >= 2 || o.item_format.has_i > 1)) {
    uint32_t chg = wire::kItemLocalChange | (linked ? wire::kItemXnameFollows : 0);
    if (o.alt_dest == AltDest::kCompare && want != FileType::kDir) chg = 0;
    const std::string empty;
    CRSYNC_RETURN_IF_ERROR(alt_report(e, ndx,
                                      chg | wire::kItemMatched | itemize_existing(e, best_st),
                                      linked ? &empty : nullptr));
  }
  if (o.info(Info::kName) >= 2 && alt_attrs_report())
    c_.output->info(rel + (want == FileType::kDir ? "/" : "") + " is uptodate\n");
  *result = link_failed ? -3 : -2;
  return Status::Ok();
}

}  // namespace crsync::session
