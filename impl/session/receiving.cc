// The receiving side: file list, destination, attributes, and the
// thread that runs generator and receiver. See generator.cc,
// generator_phases.cc, receiver.cc and receive_file.cc.
#include "session/receiving.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
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
#include "fs/fake_super.h"
#include "session/receiving_internal.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;
using receiving_internal::Basis;
using receiving_internal::copy_data;
using receiving_internal::errno_text;
using receiving_internal::open_dir_nofollow;
using receiving_internal::tmp_name_for;

// ---------------------------------------------------------------------------
// File list and destination

// Reads one list's entries up to its end marker. Under incremental
// recursion every entry of a sub-list must be a direct child of its
// directory, and the first list may hold only top-level names (upstream
// flist.c recv_file_list).
Status ReceivingSide::read_list_entries(RecvList* list, const std::string& dir_name) {
  flist::FlistDecoder::Item it;
  for (;;) {
    CRSYNC_RETURN_IF_ERROR(c_.in->decode(
        [&](ByteReader& r) { return decoder_.next(r, list->entries, list->ndx_start, &it); }));
    if (it.end) break;
    CRSYNC_PEER_CHECK(list->entries.size() < (1u << 28), ExitCode::kProtocol, "file list too long");
    CRSYNC_PEER_CHECK(it.entry.basename() != "." || flist::is_dir(it.entry.mode),
                      ExitCode::kProtocol,
                      "ERROR: rejecting non-directory transfer-root entry: " + it.entry.name);
    if (c_.neg.inc_recurse) {
      CRSYNC_PEER_CHECK(it.entry.dirname() == dir_name, ExitCode::kUnsupported,
                        "ABORTING due to invalid path from sender: " + it.entry.name);
    }
    if (it.entry.hlinked && it.entry.hlink_first_ndx < 0 && c_.protocol() >= 30)
      it.entry.hlink_first_ndx = list->ndx_start + static_cast<int32_t>(list->entries.size());
    // A pulling client applies its --chmod to what it receives (before the
    // entry becomes the next one's "same mode" basis, as upstream).
    if (!c_.am_server && !c_.local && !c_.opts.chmod.empty() && !flist::is_lnk(it.entry.mode) &&
        it.entry.mode)
      it.entry.mode = c_.opts.chmod.apply(it.entry.mode);
    // A daemon module's "incoming chmod" (upstream adds it to chmod_modes).
    if (c_.am_server && !c_.opts.daemon_chmod.empty() && !flist::is_lnk(it.entry.mode) &&
        it.entry.mode)
      it.entry.mode = c_.opts.daemon_chmod.apply(it.entry.mode);
    ids_.add_user(it.entry.uid, it.entry.user_name);
    ids_.add_group(it.entry.gid, it.entry.group_name);
    list->entries.push_back(std::move(it.entry));
  }
  io_error_ |= it.io_error & static_cast<int32_t>(wire::kIoerrMask);
  for (const auto& e : list->entries) {
    ++c_.stats.num_files;
    if (flist::is_dir(e.mode))
      ++c_.stats.num_dirs;
    else if (flist::is_lnk(e.mode))
      ++c_.stats.num_symlinks;
    else if (flist::is_device(e.mode))
      ++c_.stats.num_devices;
    else if (flist::is_special(e.mode))
      ++c_.stats.num_specials;
    if (flist::is_reg(e.mode) || flist::is_lnk(e.mode)) c_.stats.total_size += e.size;
  }
  flist::sort_file_list(list->entries, c_.protocol());
  drop_duplicates(list->entries);
  // -R: absolute names arrive with their leading '/'; they are made
  // relative to the destination once sorted (so the order is unchanged).
  if (c_.opts.relative)
    for (auto& e : list->entries)
      while (e.name.size() > 1 && e.name[0] == '/') e.name.erase(0, 1);
  return Status::Ok();
}

// Drops entries whose name repeats (upstream flist_sort_and_clean on the
// receiving side): a directory wins over a non-directory; of two
// directories the first stays and takes the other's top-dir and content-dir
// marks; otherwise the first stays. Dropped entries keep their index.
void ReceivingSide::drop_duplicates(std::vector<FileEntry>& entries) {
  std::unordered_map<std::string_view, size_t> kept;
  for (size_t i = 0; i < entries.size(); ++i) {
    FileEntry& e = entries[i];
    auto [it, fresh] = kept.try_emplace(std::string_view(e.name), i);
    if (fresh) continue;
    FileEntry& k = entries[it->second];
    if (flist::is_dir(e.mode) && !flist::is_dir(k.mode)) {
      k.cleared = true;
      kept.erase(it);
      kept.emplace(std::string_view(e.name), i);
    } else if (flist::is_dir(e.mode) && flist::is_dir(k.mode)) {
      e.cleared = true;
      k.xflags |= e.xflags & wire::kXmitTopDir;
      if (!(e.xflags & wire::kXmitNoContentDir)) k.xflags &= ~wire::kXmitNoContentDir;
    } else {
      e.cleared = true;
    }
  }
}

// Makes a list visible to the generator: appends it and its directories
// (upstream's dir_flist, in sorted order).
void ReceivingSide::publish_list(RecvList list) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto li = static_cast<uint32_t>(lists_.size());
  (void)li;
  for (const FileEntry& e : list.entries)
    if (flist::is_dir(e.mode)) dirs_.push_back(e);
  dir_got_list_.resize(dirs_.size(), false);
  list.count = list.entries.size();
  lists_.push_back(std::move(list));
}

bool ReceivingSide::frees_lists() const {
  return c_.neg.inc_recurse && !c_.opts.preserve_hard_links && !c_.opts.delay_updates &&
         !c_.opts.list_only;
}

void ReceivingSide::free_list(size_t li) {
  if (!frees_lists()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (li < lists_.size()) std::vector<FileEntry>().swap(lists_[li].entries);
}

size_t ReceivingSide::list_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return lists_.size();
}

ReceivingSide::RecvList* ReceivingSide::list_for(int32_t ndx) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::upper_bound(lists_.begin(), lists_.end(), ndx,
                             [](int32_t v, const RecvList& l) { return v < l.ndx_start - 1; });
  if (it == lists_.begin()) return nullptr;
  RecvList& l = *std::prev(it);
  if (ndx == l.ndx_start - 1) return l.parent_dir >= 0 ? &l : nullptr;
  if (int64_t{ndx} - l.ndx_start >= static_cast<int64_t>(l.count)) return nullptr;
  return &l;
}

const FileEntry* ReceivingSide::entry_at(int32_t ndx) {
  RecvList* l = list_for(ndx);
  if (!l) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  if (ndx == l->ndx_start - 1) return &dirs_[static_cast<size_t>(l->parent_dir)];
  const auto pos = static_cast<size_t>(ndx - l->ndx_start);
  return pos < l->entries.size() ? &l->entries[pos] : nullptr;  // (a freed list has none)
}

Status ReceivingSide::receive_file_list() {
  const int proto = c_.protocol();
  const uint64_t before = c_.in->total_read();
  RecvList list;
  list.ndx_start = c_.neg.inc_recurse ? 1 : 0;
  CRSYNC_RETURN_IF_ERROR(read_list_entries(&list, ""));
  if (!c_.neg.inc_recurse && !c_.opts.numeric_ids) {
    flist::IdListOptions io{proto, c_.opts.preserve_uid, c_.opts.preserve_gid, c_.neg.id0_names};
    flist::IdLists ids;
    CRSYNC_RETURN_IF_ERROR(
        c_.in->decode([&](ByteReader& r) { return flist::read_id_lists(r, io, &ids); }));
    for (auto& u : ids.users) ids_.add_user(u.id, u.name);
    for (auto& g : ids.groups) ids_.add_group(g.id, g.name);
  }
  if (proto < 30) {
    int32_t err = 0;
    CRSYNC_RETURN_IF_ERROR(c_.in->read_int32(&err));
    io_error_ |= err & static_cast<int32_t>(wire::kIoerrMask);
  }
  c_.stats.flist_size = static_cast<int64_t>(c_.in->total_read() - before);
  if (!c_.neg.inc_recurse) {
    // Every entry's parent must be a directory of the list: a name
    // "through" a symlink (or a file) the sender also sent is refused
    // (upstream generator.c: "ABORTING due to invalid path from sender").
    std::set<std::string_view> dirs;
    for (const auto& e : list.entries)
      if (flist::is_dir(e.mode)) dirs.insert(e.name);
    for (const auto& e : list.entries) {
      const std::string_view parent = e.dirname();
      if (parent.empty()) continue;
      CRSYNC_PEER_CHECK(dirs.count(parent) || (c_.opts.relative && !c_.opts.implied_dirs),
                        ExitCode::kProtocol, "ABORTING due to invalid path from sender: " + e.name);
    }
  } else if (!list.entries.empty() && list.entries.front().basename() == "." &&
             flist::is_dir(list.entries.front().mode)) {
    list.parent_dir = 0;  // the "." entry: its directory is handled at index 0
  }
  publish_list(std::move(list));
  return Status::Ok();
}

// Incremental recursion: the sub-list of directory `dir_ndx` (an index
// into dirs_), announced by the sender with NDX_FLIST_OFFSET - dir_ndx.
Status ReceivingSide::receive_sub_list(int32_t dir_ndx) {
  std::string dir_name;
  int32_t ndx_start = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    CRSYNC_PEER_CHECK(dir_ndx >= 0 && static_cast<size_t>(dir_ndx) < dirs_.size(),
                      ExitCode::kProtocol,
                      "refusing invalid dir_ndx " + std::to_string(dir_ndx) +
                          " >= " + std::to_string(dirs_.size()));
    CRSYNC_PEER_CHECK(!dir_got_list_[static_cast<size_t>(dir_ndx)], ExitCode::kProtocol,
                      "refusing malicious duplicate flist for dir " + std::to_string(dir_ndx));
    dir_got_list_[static_cast<size_t>(dir_ndx)] = true;
    dir_name = dirs_[static_cast<size_t>(dir_ndx)].name;
    ndx_start = lists_.back().ndx_start + static_cast<int32_t>(lists_.back().count) + 1;
  }
  RecvList list;
  list.ndx_start = ndx_start;
  list.parent_dir = dir_ndx;
  const uint64_t before = c_.in->total_read();
  CRSYNC_RETURN_IF_ERROR(read_list_entries(&list, dir_name));
  c_.stats.flist_size += static_cast<int64_t>(c_.in->total_read() - before);
  publish_list(std::move(list));
  post({Event::kNewList, 0});
  return Status::Ok();
}

Status ReceivingSide::open_destination() {
  std::string dest = dest_arg_.empty() ? "." : dest_arg_;
  if (c_.opts.daemon_filter && !c_.opts.daemon_filter->empty()) {
    // upstream get_local_name: a trailing "/" or "/." is not part of the name.
    std::string d = dest;
    if (d.size() > 1 && d.back() == '/')
      d.pop_back();
    else if (d.size() > 2 && d.compare(d.size() - 2, 2, "/.") == 0)
      d.resize(d.size() - 2);
    if (d != "." &&
        (c_.opts.daemon_filter->excluded(d, false) || c_.opts.daemon_filter->excluded(d, true))) {
      c_.output->error("ERROR: daemon has excluded destination \"" + dest + "\"\n");
      return Status::Error(ExitCode::kFileSelect, "");
    }
  }
  struct stat st {};
  const bool exists = ::stat(dest.c_str(), &st) == 0;
  const bool trailing_slash = dest.size() > 1 && dest.back() == '/';
  // One non-directory sent to a name that is not an existing directory:
  // it is written under that name.
  const std::vector<FileEntry>& first = lists_.front().entries;
  if (first.size() == 1 && !flist::is_dir(first[0].mode) && !trailing_slash &&
      !(exists && S_ISDIR(st.st_mode))) {
    single_file_ = true;
    const auto slash = dest.rfind('/');
    single_name_ = slash == std::string::npos ? dest : dest.substr(slash + 1);
    std::string parent =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : dest.substr(0, slash));
    CRSYNC_ASSIGN_OR_RETURN(dest_, fs::DestRoot::open(parent, false));
    dest_dir_ = parent;
    return Status::Ok();
  }
  if (!exists) {
    if (c_.opts.mkpath) {
      std::string acc;
      for (size_t i = 0; i <= dest.size(); ++i) {
        if (i == dest.size() || dest[i] == '/') {
          acc = dest.substr(0, i);
          if (!acc.empty() && !c_.opts.dry_run) ::mkdir(acc.c_str(), 0777);
        }
      }
    } else if (!c_.opts.dry_run && ::mkdir(dest.c_str(), 0777) != 0) {
      return Status::Error(ExitCode::kFileIo,
                           "mkdir \"" + dest + "\" failed: " + errno_text(errno));
    }
    dest_created_ = true;
    if (c_.opts.info(Info::kName) >= 1 || c_.opts.item_format.has_i) {
      std::string shown = dest;
      while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
      c_.output->info("created directory " + shown + "\n");
    }
    if (c_.opts.dry_run) {
      // Nothing exists below a directory that a dry run did not make: the
      // root is a private directory, removed at once, so every lookup
      // beneath it finds nothing and nothing can be written there.
      char tmpl[] = "/tmp/crsync-dry-run-XXXXXX";
      if (!::mkdtemp(tmpl))
        return Status::Error(ExitCode::kFileIo, "mkdtemp failed: " + errno_text(errno));
      auto root = fs::DestRoot::open(tmpl, false);
      ::rmdir(tmpl);
      if (!root.ok()) return root.status();
      dest_ = std::move(*root);
    }
  }
  if (!c_.opts.dry_run || exists) {
    CRSYNC_ASSIGN_OR_RETURN(dest_, fs::DestRoot::open(dest, false));
  }
  dest_dir_ = dest;
  dest_missing_in_dry_run_ = c_.opts.dry_run && !exists;
  return Status::Ok();
}

std::string ReceivingSide::local_name(const FileEntry& e) const {
  if (single_file_) return single_name_;
  return e.name;
}

uint32_t ReceivingSide::map_uid(const FileEntry& e) const {
  return c_.opts.numeric_ids ? e.uid : ids_.map_user(e.uid);
}

uint32_t ReceivingSide::map_gid(const FileEntry& e) const {
  return c_.opts.numeric_ids ? e.gid : ids_.map_group(e.gid);
}

void ReceivingSide::log_item(uint32_t iflags, const FileEntry& e, const std::string& xname,
                             int64_t data_read, const std::string& sum_hex) {
  ItemExtras x;
  x.hlink = hlink_of(iflags, e, xname);
  x.data_read = data_read;
  x.checksum_hex = sum_hex;
  c_.output->info(item_text(c_, iflags, e, x));
}

// ---------------------------------------------------------------------------
// Attributes

uint32_t ReceivingSide::itemize_existing(const FileEntry& e, const struct stat& st) const {
  uint32_t f = 0;
  const Options& o = c_.opts;
  if (flist::is_reg(e.mode) && e.size != st.st_size) f |= wire::kItemReportSize;
  bool keep_time = o.preserve_mtimes;
  if (flist::is_dir(e.mode)) keep_time = keep_time && !o.omits_dir_times();
  if (flist::is_lnk(e.mode)) keep_time = keep_time && !o.omit_link_times;
  if (keep_time && e.mtime != st.st_mtim.tv_sec) f |= wire::kItemReportTime;
  if (o.preserve_perms && !flist::is_lnk(e.mode) && (e.mode & 07777) != (st.st_mode & 07777))
    f |= wire::kItemReportPerms;
  if (o.preserve_uid && am_root_ && map_uid(e) != st.st_uid) f |= wire::kItemReportOwner;
  if (o.preserve_gid && map_gid(e) != st.st_gid) f |= wire::kItemReportGroup;
  return f;
}

bool ReceivingSide::attrs_differ(const FileEntry& e, const struct stat& st, uint32_t iflags) const {
  constexpr uint32_t kReported = wire::kItemReportTime | wire::kItemReportPerms |
                                 wire::kItemReportOwner | wire::kItemReportGroup;
  if (iflags & kReported) return true;
  const Options& o = c_.opts;
  // What itemize does not look at, taken conservatively: the daemon's
  // incoming chmod, atimes and the sub-second part of the mtime.
  if (c_.am_server && !o.daemon_chmod.empty()) return true;
  if (o.preserve_atimes || o.fake_super) return true;
  if (o.preserve_mtimes && st.st_mtim.tv_nsec != static_cast<long>(e.mtime_nsec)) return true;
  return false;
}

void ReceivingSide::set_attrs(int dirfd, const std::string& base, const FileEntry& e, int fd,
                              bool is_new, bool set_time, const struct stat* cur) {
  const Options& o = c_.opts;
  const bool lnk = flist::is_lnk(e.mode);
  // A file this side just created (no `cur`) is looked at through its
  // descriptor, as upstream stats it: most already have the owner, group
  // and permissions wanted, and a chown or chmod costs a journalled inode
  // update.
  struct stat now {};
  const struct stat* seen = cur;
  if (!seen && fd >= 0 && !o.fake_super && ::fstat(fd, &now) == 0) seen = &now;
  if (o.fake_super) {
    set_fake_attrs(dirfd, base, e, fd, is_new);
  } else if ((o.preserve_uid && am_root_) || o.preserve_gid) {
    const uid_t uid = (o.preserve_uid && am_root_) ? map_uid(e) : static_cast<uid_t>(-1);
    const gid_t gid = o.preserve_gid ? map_gid(e) : static_cast<gid_t>(-1);
    const struct stat* owner = seen;
    const bool same = owner && (uid == static_cast<uid_t>(-1) || uid == owner->st_uid) &&
                      (gid == static_cast<gid_t>(-1) || gid == owner->st_gid);
    if (!same && fd >= 0)
      (void)::fchown(fd, uid, gid);
    else if (!same)
      (void)::fchownat(dirfd, base.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW);
  }
  if (!lnk && !o.fake_super) {
    mode_t mode = 0;
    bool do_chmod = false;
    if (o.preserve_perms) {
      mode = e.mode & 07777;
      do_chmod = true;
    } else if (is_new) {
      const mode_t mask = ::umask(0);
      ::umask(mask);
      mode = (e.mode & 0777) & ~mask;
      if (o.preserve_executability) mode = e.mode & 0777 & ~mask;
      do_chmod = true;
    }
    // A daemon module's "incoming chmod" has the last word (upstream
    // set_file_attrs), on existing files too.
    if (c_.am_server && !c_.opts.daemon_chmod.empty()) {
      if (!do_chmod && cur) mode = cur->st_mode & 07777;
      if (do_chmod || cur) {
        mode = c_.opts.daemon_chmod.apply((e.mode & ~07777) | mode) & 07777;
        do_chmod = true;
      }
    }
    // (A chown above clears only set-id bits, which a `seen` equal to
    // `mode` without them cannot have lost.)
    if (do_chmod && seen && (seen->st_mode & 07777) == mode) do_chmod = false;
    if (do_chmod) {
      if (fd >= 0)
        (void)::fchmod(fd, mode);
      else
        (void)::fchmodat(dirfd, base.c_str(), mode, 0);
    }
  }
  bool keep_time = o.preserve_mtimes && set_time;
  if (flist::is_dir(e.mode) && o.omits_dir_times()) keep_time = false;
  if (lnk && o.omit_link_times) keep_time = false;
  if (keep_time) {
    timespec ts[2];
    ts[0].tv_sec = 0;
    ts[0].tv_nsec = UTIME_OMIT;
    if (o.preserve_atimes) {
      ts[0].tv_sec = static_cast<time_t>(e.atime);
      ts[0].tv_nsec = 0;
    }
    ts[1].tv_sec = static_cast<time_t>(e.mtime);
    ts[1].tv_nsec = static_cast<long>(e.mtime_nsec);
    const bool same = cur && !o.preserve_atimes && cur->st_mtim.tv_sec == ts[1].tv_sec &&
                      cur->st_mtim.tv_nsec == ts[1].tv_nsec;
    if (!same && fd >= 0)
      (void)::futimens(fd, ts);
    else if (!same)
      (void)::utimensat(dirfd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }
}

void ReceivingSide::set_fake_attrs(int dirfd, const std::string& base, const FileEntry& e, int fd,
                                   bool is_new) {
  const Options& o = c_.opts;
  std::optional<mode_t> perms;
  if (o.preserve_perms) {
    perms = e.mode & 07777;
  } else if (is_new) {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    perms = (e.mode & 0777) & ~mask;
  }
  // What is not sent stays as it is stored (upstream would read an unset
  // field for an id it was not sent).
  struct stat now {};
  if (!perms || !o.preserve_uid || !o.preserve_gid) {
    const char* name = base.c_str();
    if ((fd >= 0 ? ::fstat(fd, &now) : ::fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW)) != 0)
      return;
    if (!fs::overlay_fake_stat(dirfd, name, &now, base).ok()) return;
    if (!perms) perms = now.st_mode & 07777;
  }
  // A module's "incoming chmod" has the last word, symlinks aside.
  if (c_.am_server && !o.daemon_chmod.empty() && !flist::is_lnk(e.mode))
    perms = o.daemon_chmod.apply((e.mode & ~07777) | *perms) & 07777;
  const uid_t uid = o.preserve_uid ? map_uid(e) : now.st_uid;
  const gid_t gid = o.preserve_gid ? map_gid(e) : now.st_gid;
  const dev_t rdev = flist::is_device(e.mode) ? makedev(e.rdev_major, e.rdev_minor) : 0;
  std::string err;
  if (!fs::store_fake_stat(dirfd, base, fd, (e.mode & S_IFMT) | *perms, rdev, uid, gid, base,
                           &err)) {
    c_.output->error(std::string("rsync: [") + (fd >= 0 ? "receiver" : "generator") + "] " + err +
                     "\n");
    c_.output->note_xfer_error();
  }
}

bool ReceivingSide::remove_file(int parent_fd, const std::string& base, const std::string& rel,
                                bool backup, const char** what) {
  if (backup) {
    // A backup itself (its name ends in the suffix, and there is no
    // --backup-dir) is deleted, not backed up again.
    const std::string suffix = c_.opts.backup_suffix();
    const bool is_backup = backup_shown_.empty() && rel.size() > suffix.size() &&
                           rel.compare(rel.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (!is_backup) {
      *what = "make_backup";
      const BackupResult r = make_backup(rel, BackupHow::kRename);
      if (r == BackupResult::kFailed) return false;
      if (r != BackupResult::kKept) return true;
    }
  }
  *what = "unlink";
  return ::unlinkat(parent_fd, base.c_str(), 0) == 0;
}

bool ReceivingSide::move_into_place(const FileEntry& e, int tmp_dir, const std::string& tmp,
                                    int out_fd, int dir, const std::string& name,
                                    const std::string& rel, bool set_time) {
  set_attrs(tmp_dir, tmp, e, out_fd, true, set_time);
  if (::renameat(tmp_dir, tmp.c_str(), dir, name.c_str()) == 0) return true;
  if (errno != EXDEV) {
    c_.output->error("rsync: [receiver] rename \"" + tmp + "\" -> \"" + rel +
                     "\": " + errno_text(errno) + "\n");
    c_.output->note_xfer_error();
    ::unlinkat(tmp_dir, tmp.c_str(), 0);
    return false;
  }
  // The --temp-dir is on another file system: copy the data next to the
  // destination under a temporary name, then rename that into place.
  fs::Fd in(::openat(tmp_dir, tmp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  fs::Fd out;
  std::string copy;
  for (int tries = 0; in.valid() && !out.valid() && tries < 10; ++tries) {
    copy = tmp_name_for(name);
    out = fs::Fd(
        ::openat(dir, copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid() && errno != EEXIST) break;
  }
  bool ok = in.valid() && out.valid() && copy_data(in.get(), out.get());
  if (ok) {
    set_attrs(dir, copy, e, out.get(), true, set_time);
    ok = ::renameat(dir, copy.c_str(), dir, name.c_str()) == 0;
  }
  if (!ok) {
    c_.output->error("rsync: [receiver] copy \"" + tmp + "\" -> \"" + rel +
                     "\": " + errno_text(errno) + "\n");
    c_.output->note_xfer_error();
    if (out.valid()) ::unlinkat(dir, copy.c_str(), 0);
  }
  ::unlinkat(tmp_dir, tmp.c_str(), 0);
  return ok;
}

Status ReceivingSide::run() {
  c_.on_no_send = [this](int32_t ndx) { post({Event::kNoSend, ndx}); };
  // (In a local copy the client has checked them.)
  if (const std::string err = c_.local ? std::string() : c_.opts.receiving_option_error();
      !err.empty()) {
    c_.output->error("rsync: " + err + "\n");
    return Status::Error(ExitCode::kSyntax, "");
  }
  CRSYNC_RETURN_IF_ERROR(receive_file_list());
  if (c_.on_first_list) c_.on_first_list(lists_.front().entries.size());
  // An empty list ends a client's pull at once (upstream's server sender
  // exits then); a server or a local copy still runs the end of the session
  // its sender waits for, and makes the destination as upstream does.
  if (lists_.front().entries.empty() && !c_.am_server && !c_.local) return Status::Ok();
  // --list-only: the destination is not looked at (upstream get_local_name).
  if (!c_.opts.list_only) {
    CRSYNC_RETURN_IF_ERROR(open_destination());
    dest_.set_fake_super(c_.opts.fake_super);
    CRSYNC_RETURN_IF_ERROR(open_aux_dirs());
    open_basis_dirs();
  }
  std::atomic<bool> receiver_stopped{false};
  std::atomic<bool> receiver_cut_off{false};
  std::thread gen([&] {
    gen_status_ = generator_main();
    if (!gen_status_.ok()) {
      // A failed generator ends the session: the receiver thread, which
      // may be waiting for the sender, is cut off.
      receiver_cut_off = !receiver_stopped;
      c_.out->flush().ok();
      if (c_.on_fatal) c_.on_fatal();
    }
  });
  c_.in->set_before_block([this] { signal_events(); });
  Status rs = receiver_main();
  c_.in->set_before_block(nullptr);
  signal_events();
  if (!rs.ok()) {
    receiver_stopped = true;
    post({Event::kStop, 0});
  }
  gen.join();
  // The generator's own failure (e.g. a corrupt user.rsync.%stat, exit 11)
  // is the session's, not the receiver's being cut off by it.
  if (!rs.ok() && !receiver_cut_off) return rs;
  return gen_status_.ok() ? rs : gen_status_;
}

}  // namespace crsync::session
