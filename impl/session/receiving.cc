#include "session/receiving.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "base/check.h"
#include "delta/signature.h"
#include "delta/token_codec.h"
#include "flist/flist_decoder.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

using flist::FileEntry;

std::string errno_text(int e) {
  return std::string(std::strerror(e)) + " (" + std::to_string(e) + ")";
}

// A read-only mapping of a basis file (empty for size 0).
struct Basis {
  void* addr = nullptr;
  size_t len = 0;
  ~Basis() {
    if (addr) ::munmap(addr, len);
  }
  bool map(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    len = static_cast<size_t>(st.st_size);
    if (len == 0) return true;
    void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      len = 0;
      return false;
    }
    addr = p;
    return true;
  }
  ByteSpan span() const { return ByteSpan(static_cast<const uint8_t*>(addr), len); }
};

std::string tmp_name_for(const std::string& base) {
  static thread_local std::mt19937 rng(std::random_device{}());
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string b = base;
  if (!b.empty() && b[0] == '.') b.erase(0, 1);
  if (b.size() > 247) b.resize(247);
  if (!b.empty() && b.back() == '.') b.pop_back();
  std::string out = "." + b + ".";
  for (int i = 0; i < 6; ++i) out += kChars[rng() % (sizeof kChars - 1)];
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// File list and destination

Status ReceivingSide::receive_file_list() {
  const int proto = c_.protocol();
  flist::FlistDecoder dec(flist_options(c_));
  ndx_start_ = c_.neg.inc_recurse ? 1 : 0;
  const uint64_t before = c_.in->total_read();
  flist::FlistDecoder::Item it;
  for (;;) {
    CRSYNC_RETURN_IF_ERROR(
        c_.in->decode([&](ByteReader& r) { return dec.next(r, list_, ndx_start_, &it); }));
    if (it.end) break;
    CRSYNC_PEER_CHECK(list_.size() < (1u << 28), ExitCode::kProtocol, "file list too long");
    if (!it.entry.user_name.empty()) user_names_.push_back({it.entry.uid, it.entry.user_name});
    if (!it.entry.group_name.empty()) group_names_.push_back({it.entry.gid, it.entry.group_name});
    list_.push_back(std::move(it.entry));
  }
  io_error_ |= it.io_error;
  if (!c_.neg.inc_recurse && !c_.opts.numeric_ids) {
    flist::IdListOptions io{proto, c_.opts.preserve_uid, c_.opts.preserve_gid, c_.neg.id0_names};
    flist::IdLists ids;
    CRSYNC_RETURN_IF_ERROR(
        c_.in->decode([&](ByteReader& r) { return flist::read_id_lists(r, io, &ids); }));
    for (auto& u : ids.users) user_names_.push_back({u.id, u.name});
    for (auto& g : ids.groups) group_names_.push_back({g.id, g.name});
  }
  if (proto < 30) {
    int32_t err = 0;
    CRSYNC_RETURN_IF_ERROR(c_.in->read_int32(&err));
    io_error_ |= err & static_cast<int32_t>(wire::kIoerrMask);
  }
  c_.stats.flist_size = static_cast<int64_t>(c_.in->total_read() - before);
  for (const auto& e : list_) {
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
  flist::sort_file_list(list_, proto);
  redo_done_.assign(list_.size(), false);
  // Every entry's parent must be a directory of the list: a name "through"
  // a symlink (or a file) the sender also sent is refused (upstream
  // generator.c: "ABORTING due to invalid path from sender").
  std::set<std::string_view> dirs;
  for (const auto& e : list_)
    if (flist::is_dir(e.mode)) dirs.insert(e.name);
  for (const auto& e : list_) {
    const std::string_view parent = e.dirname();
    if (parent.empty()) continue;
    CRSYNC_PEER_CHECK(dirs.count(parent) || (c_.opts.relative && !c_.opts.implied_dirs),
                      ExitCode::kProtocol, "ABORTING due to invalid path from sender: " + e.name);
  }
  return Status::Ok();
}

Status ReceivingSide::open_destination() {
  std::string dest = dest_arg_.empty() ? "." : dest_arg_;
  struct stat st {};
  const bool exists = ::stat(dest.c_str(), &st) == 0;
  const bool trailing_slash = dest.size() > 1 && dest.back() == '/';
  // One non-directory sent to a name that is not an existing directory:
  // it is written under that name.
  if (list_.size() == 1 && !flist::is_dir(list_[0].mode) && !trailing_slash &&
      !(exists && S_ISDIR(st.st_mode))) {
    single_file_ = true;
    const auto slash = dest.rfind('/');
    single_name_ = slash == std::string::npos ? dest : dest.substr(slash + 1);
    std::string parent =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : dest.substr(0, slash));
    CRSYNC_ASSIGN_OR_RETURN(dest_, fs::DestRoot::open(parent, false));
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
    if (c_.opts.verbose > 0 || c_.opts.itemize) c_.output->info("created directory " + dest + "\n");
    if (c_.opts.dry_run) {
      // Nothing exists below a directory that a dry run did not make.
      CRSYNC_ASSIGN_OR_RETURN(dest_, fs::DestRoot::open("/dev/null/..", false));
    }
  }
  if (!c_.opts.dry_run || exists) {
    CRSYNC_ASSIGN_OR_RETURN(dest_, fs::DestRoot::open(dest, false));
  }
  return Status::Ok();
}

std::string ReceivingSide::local_name(const FileEntry& e) const {
  if (single_file_) return single_name_;
  return e.name;
}

uint32_t ReceivingSide::map_uid(const FileEntry& e) const {
  if (c_.opts.numeric_ids) return e.uid;
  for (const auto& [id, name] : user_names_) {
    if (id != e.uid || name.empty()) continue;
    if (const passwd* p = ::getpwnam(name.c_str())) return p->pw_uid;
    break;
  }
  return e.uid;
}

uint32_t ReceivingSide::map_gid(const FileEntry& e) const {
  if (c_.opts.numeric_ids) return e.gid;
  for (const auto& [id, name] : group_names_) {
    if (id != e.gid || name.empty()) continue;
    if (const group* g = ::getgrnam(name.c_str())) return g->gr_gid;
    break;
  }
  return e.gid;
}

void ReceivingSide::log_item(uint32_t iflags, const FileEntry& e) {
  c_.output->info(item_line(iflags, e, c_.itemize_context(), c_.opts.itemize) + "\n");
}

// ---------------------------------------------------------------------------
// Attributes

uint32_t ReceivingSide::itemize_existing(const FileEntry& e, const struct stat& st) const {
  uint32_t f = 0;
  const Options& o = c_.opts;
  if (flist::is_reg(e.mode) && e.size != st.st_size) f |= wire::kItemReportSize;
  bool keep_time = o.preserve_mtimes;
  if (flist::is_dir(e.mode)) keep_time = keep_time && !o.omit_dir_times;
  if (flist::is_lnk(e.mode)) keep_time = keep_time && !o.omit_link_times;
  if (keep_time && e.mtime != st.st_mtim.tv_sec) f |= wire::kItemReportTime;
  if (o.preserve_perms && !flist::is_lnk(e.mode) && (e.mode & 07777) != (st.st_mode & 07777))
    f |= wire::kItemReportPerms;
  if (o.preserve_uid && ::geteuid() == 0 && map_uid(e) != st.st_uid) f |= wire::kItemReportOwner;
  if (o.preserve_gid && map_gid(e) != st.st_gid) f |= wire::kItemReportGroup;
  return f;
}

void ReceivingSide::set_attrs(int dirfd, const std::string& base, const FileEntry& e, int fd,
                              bool is_new, bool set_time) {
  const Options& o = c_.opts;
  const bool lnk = flist::is_lnk(e.mode);
  if ((o.preserve_uid && ::geteuid() == 0) || o.preserve_gid) {
    const uid_t uid = (o.preserve_uid && ::geteuid() == 0) ? map_uid(e) : static_cast<uid_t>(-1);
    const gid_t gid = o.preserve_gid ? map_gid(e) : static_cast<gid_t>(-1);
    if (fd >= 0)
      (void)::fchown(fd, uid, gid);
    else
      (void)::fchownat(dirfd, base.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW);
  }
  if (!lnk) {
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
    if (do_chmod) {
      if (fd >= 0)
        (void)::fchmod(fd, mode);
      else
        (void)::fchmodat(dirfd, base.c_str(), mode, 0);
    }
  }
  bool keep_time = o.preserve_mtimes && set_time;
  if (flist::is_dir(e.mode) && o.omit_dir_times) keep_time = false;
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
    if (fd >= 0)
      (void)::futimens(fd, ts);
    else
      (void)::utimensat(dirfd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }
}

// ---------------------------------------------------------------------------
// Generator

void ReceivingSide::post(Event ev) {
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(ev);
  cv_.notify_all();
}

Status ReceivingSide::send_item(int32_t ndx, uint32_t iflags) {
  if (c_.protocol() < 29) return Status::Ok();
  ByteWriter w;
  gen_ndx_->put(w, ndx);
  wire::put_int16(w, static_cast<uint16_t>(iflags & 0xFFFF));
  return c_.out->write(w);
}

Status ReceivingSide::generate_dir(size_t idx) {
  const FileEntry& e = list_[idx];
  const int32_t ndx = ndx_start_ + static_cast<int32_t>(idx);
  const std::string rel = local_name(e);
  struct stat st {};
  bool exists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  fs::Fd parent;
  std::string base;
  if (exists && !S_ISDIR(st.st_mode)) {
    if (!c_.opts.dry_run) {
      CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
      ::unlinkat(parent.get(), base.c_str(), 0);
    }
    exists = false;
  }
  const bool created_here = dest_created_ && rel == ".";
  uint32_t iflags = exists && !created_here ? itemize_existing(e, st)
                                            : (wire::kItemIsNew | wire::kItemLocalChange);
  if (!exists || created_here) iflags = wire::kItemIsNew | wire::kItemLocalChange;
  if (gen_logs() && should_log_nontransfer(c_, iflags, e)) log_item(iflags, e);
  if (item_is_significant(iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
  if (server_names() && item_is_significant(iflags)) c_.output->info(name_and_link(e) + "\n");
  if (c_.opts.dry_run) return Status::Ok();
  if (!exists) {
    CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
    if (::mkdirat(parent.get(), base.c_str(), 0700) != 0 && errno != EEXIST) {
      c_.output->error("rsync: [generator] recv_generator: mkdir \"" + rel +
                       "\" failed: " + errno_text(errno) + "\n");
      c_.output->note_xfer_error();
      return Status::Ok();
    }
  }
  if (!parent.valid()) CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
  set_attrs(parent.get(), base.empty() ? "." : base, e, -1, !exists, false);
  if (!exists || (st.st_mode & 0700) != 0700) {
    // Keep the directory writable while its contents arrive; the final
    // permissions are set in touch_up_dirs.
    if (::geteuid() != 0) ::fchmodat(parent.get(), base.c_str(), 0700 | (e.mode & 07777), 0);
  }
  return Status::Ok();
}

Status ReceivingSide::generate_symlink(size_t idx) {
  const FileEntry& e = list_[idx];
  const int32_t ndx = ndx_start_ + static_cast<int32_t>(idx);
  const std::string rel = local_name(e);
  struct stat st {};
  bool exists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  fs::Fd parent;
  std::string base;
  CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
  if (exists && S_ISLNK(st.st_mode)) {
    char buf[wire::kMaxPathLen];
    const ssize_t n = ::readlinkat(parent.get(), base.c_str(), buf, sizeof buf);
    if (n >= 0 && std::string(buf, static_cast<size_t>(n)) == e.link_target) {
      const uint32_t iflags = itemize_existing(e, st);
      if (!c_.opts.dry_run) set_attrs(parent.get(), base, e, -1, false, true);
      if (gen_logs() && should_log_nontransfer(c_, iflags, e)) log_item(iflags, e);
      if (item_is_significant(iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
      return Status::Ok();
    }
  }
  uint32_t iflags = wire::kItemLocalChange | wire::kItemReportChange;
  if (!exists || !S_ISLNK(st.st_mode))
    iflags |= wire::kItemIsNew;
  else
    iflags |= itemize_existing(e, st);
  if (!c_.opts.dry_run) {
    const std::string tmp = tmp_name_for(base);
    if (::symlinkat(e.link_target.c_str(), parent.get(), tmp.c_str()) != 0 ||
        (exists && S_ISDIR(st.st_mode) &&
         ::unlinkat(parent.get(), base.c_str(), AT_REMOVEDIR) != 0 && false) ||
        ::renameat(parent.get(), tmp.c_str(), parent.get(), base.c_str()) != 0) {
      c_.output->error("rsync: [generator] symlink \"" + rel + "\" -> \"" + e.link_target +
                       "\" failed: " + errno_text(errno) + "\n");
      c_.output->note_xfer_error();
      ::unlinkat(parent.get(), tmp.c_str(), 0);
      return Status::Ok();
    }
    set_attrs(parent.get(), base, e, -1, true, true);
  }
  if (gen_logs() && c_.logs_items()) log_item(iflags, e);
  if (server_names()) c_.output->info(name_and_link(e) + "\n");
  return send_item(ndx, iflags);
}

Status ReceivingSide::generate_special(size_t idx) {
  const FileEntry& e = list_[idx];
  const int32_t ndx = ndx_start_ + static_cast<int32_t>(idx);
  const bool dev = flist::is_device(e.mode);
  if ((dev && (!c_.opts.preserve_devices || ::geteuid() != 0)) ||
      (!dev && !c_.opts.preserve_specials)) {
    if (!c_.am_server) c_.output->info("skipping non-regular file \"" + e.name + "\"\n");
    return Status::Ok();
  }
  const std::string rel = local_name(e);
  struct stat st {};
  bool exists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  fs::Fd parent;
  std::string base;
  CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
  const dev_t rdev = dev ? makedev(e.rdev_major, e.rdev_minor) : 0;
  if (exists && (st.st_mode & S_IFMT) == (e.mode & S_IFMT) && (!dev || st.st_rdev == rdev)) {
    const uint32_t iflags = itemize_existing(e, st);
    if (!c_.opts.dry_run) set_attrs(parent.get(), base, e, -1, false, true);
    if (gen_logs() && should_log_nontransfer(c_, iflags, e)) log_item(iflags, e);
    if (item_is_significant(iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
    return Status::Ok();
  }
  uint32_t iflags = wire::kItemLocalChange | wire::kItemReportChange;
  if (!exists || (st.st_mode & S_IFMT) != (e.mode & S_IFMT))
    iflags |= wire::kItemIsNew;
  else
    iflags |= itemize_existing(e, st);
  if (!c_.opts.dry_run) {
    const std::string tmp = tmp_name_for(base);
    if (::mknodat(parent.get(), tmp.c_str(), (e.mode & S_IFMT) | 0600, rdev) != 0 ||
        ::renameat(parent.get(), tmp.c_str(), parent.get(), base.c_str()) != 0) {
      c_.output->error("rsync: [generator] mknod \"" + rel + "\" failed: " + errno_text(errno) +
                       "\n");
      c_.output->note_xfer_error();
      ::unlinkat(parent.get(), tmp.c_str(), 0);
      return Status::Ok();
    }
    set_attrs(parent.get(), base, e, -1, true, true);
  }
  if (gen_logs() && c_.logs_items()) log_item(iflags, e);
  if (server_names()) c_.output->info(name_and_link(e) + "\n");
  return send_item(ndx, iflags);
}

Status ReceivingSide::generate_regular(size_t idx, bool redo) {
  const FileEntry& e = list_[idx];
  const int32_t ndx = ndx_start_ + static_cast<int32_t>(idx);
  const std::string rel = local_name(e);
  const Options& o = c_.opts;
  struct stat st {};
  bool exists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  if (!redo) {
    if (o.existing_only && !exists) return Status::Ok();
    if (o.ignore_existing && exists) return Status::Ok();
    if (o.update_only && exists && e.mtime - st.st_mtim.tv_sec < o.modify_window)
      return Status::Ok();
  }
  if (exists && !S_ISREG(st.st_mode)) {
    if (!o.dry_run) {
      fs::Fd parent;
      std::string base;
      CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
      if (::unlinkat(parent.get(), base.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0) {
        c_.output->error("rsync: [generator] delete_file: rmdir \"" + rel +
                         "\" failed: " + errno_text(errno) + "\n");
        c_.output->note_xfer_error();
        return Status::Ok();
      }
    }
    exists = false;
  }
  // Quick check: same size and mtime (or same checksum with -c).
  if (exists && !redo && !o.ignore_times) {
    bool same = false;
    if (o.always_checksum) {
      if (st.st_size == e.size) {
        auto fd = dest_.open_read(rel);
        if (fd.ok()) {
          Basis b;
          if (b.map(fd->get())) {
            const checksum::DigestBuf d = checksum::file_content_sum(c_.neg.file_sum, b.span());
            same = std::equal(e.checksum.begin(), e.checksum.end(), d.begin());
          }
        }
      }
    } else if (o.size_only) {
      same = st.st_size == e.size;
    } else {
      same = st.st_size == e.size &&
             std::llabs(e.mtime - static_cast<int64_t>(st.st_mtim.tv_sec)) <= o.modify_window;
    }
    if (same) {
      const uint32_t iflags = itemize_existing(e, st);
      if (!o.dry_run) {
        fs::Fd parent;
        std::string base;
        CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
        set_attrs(parent.get(), base, e, -1, false, true);
      }
      if (gen_logs() && should_log_nontransfer(c_, iflags, e)) log_item(iflags, e);
      if (item_is_significant(iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
      return Status::Ok();
    }
  }
  // Transfer.
  uint32_t iflags = wire::kItemTransfer;
  if (o.always_checksum) iflags |= wire::kItemReportChange;
  if (exists) {
    iflags |= itemize_existing(e, st);
    if (!o.preserve_mtimes) iflags |= wire::kItemReportTime;
  } else {
    iflags |= wire::kItemIsNew;
  }
  ByteWriter w;
  gen_ndx_->put(w, ndx);
  if (c_.protocol() >= 29) wire::put_int16(w, static_cast<uint16_t>(iflags));
  if (o.dry_run) return c_.out->write(w);
  const bool whole = o.whole_file == 1 || (o.whole_file < 0 && c_.local);
  delta::Signature sig;
  if (exists && !whole && st.st_size > 0) {
    auto fd = dest_.open_read(rel);
    Basis b;
    if (fd.ok() && b.map(fd->get())) {
      checksum::SumSizeParams sp;
      sp.protocol = c_.protocol();
      sp.block_size_opt = o.block_size;
      sp.redo_pass = redo;
      sp.xfer_sum_len = checksum::digest_len(c_.neg.xfer_sum);
      const checksum::SumHead head = checksum::sum_sizes_sqroot(static_cast<int64_t>(b.len), sp);
      checksum::BlockSummer summer(c_.neg.xfer_sum, c_.neg.seed, c_.neg.proper_seed_order);
      sig = delta::make_signature(b.span(), head, summer);
    }
  }
  delta::put_signature(w, sig, c_.protocol());
  return c_.out->write(w);
}

Status ReceivingSide::generate_entry(size_t idx, bool redo) {
  const FileEntry& e = list_[idx];
  if (flist::is_dir(e.mode)) return generate_dir(idx);
  if (flist::is_lnk(e.mode)) {
    if (!c_.opts.preserve_links) return Status::Ok();
    return generate_symlink(idx);
  }
  if (flist::is_device(e.mode) || flist::is_special(e.mode)) return generate_special(idx);
  return generate_regular(idx, redo);
}

bool ReceivingSide::is_content_dir(const FileEntry& e) const {
  if (!flist::is_dir(e.mode) || single_file_) return false;
  if (c_.protocol() >= 30) return !(e.xflags & wire::kXmitNoContentDir);
  return c_.opts.recursive;
}

void ReceivingSide::report_delete(const std::string& rel, uint32_t mode) {
  TransferStats& st = c_.stats;
  ++st.deleted_files;
  if (flist::is_dir(mode))
    ++st.deleted_dirs;
  else if (flist::is_lnk(mode))
    ++st.deleted_symlinks;
  else if (flist::is_device(mode))
    ++st.deleted_devices;
  else if (flist::is_special(mode))
    ++st.deleted_specials;
  const std::string shown = rel + (flist::is_dir(mode) ? "/" : "");
  if (c_.am_server) {
    if (c_.protocol() >= 29) {
      std::string payload = rel;
      if (flist::is_dir(mode)) payload.push_back('\0');
      (void)c_.out->send_msg(wire::MsgCode::kDeleted, as_bytes(payload), true);
    } else if (c_.opts.log_format.find("%i") != std::string::npos) {
      // Below 29 upstream formats the deletion with the client's format
      // hint, which is just "%i": the itemize field and no name.
      c_.output->info("*deleting  \n");
    } else if (c_.opts.verbose > 0) {
      c_.output->info("deleting " + shown + "\n");
    }
    return;
  }
  if (c_.opts.itemize)
    c_.output->info("*deleting   " + shown + "\n");
  else if (c_.opts.verbose > 0)
    c_.output->info("deleting " + shown + "\n");
}

// Lists a directory (beneath the root) in upstream's deletion order: the
// list sort order, walked backwards.
static Status list_for_delete(int dirfd, std::vector<FileEntry>* out, int protocol) {
  const int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Error(ExitCode::kFileIo, "opendir failed: " + errno_text(errno));
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return Status::Error(ExitCode::kFileIo, "fdopendir failed: " + errno_text(errno));
  }
  while (const dirent* de = ::readdir(d)) {
    const std::string n = de->d_name;
    if (n == "." || n == "..") continue;
    struct stat st {};
    if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    FileEntry e;
    e.name = n;
    e.mode = st.st_mode;
    out->push_back(std::move(e));
  }
  ::closedir(d);
  flist::sort_file_list(*out, protocol);
  std::reverse(out->begin(), out->end());
  return Status::Ok();
}

bool ReceivingSide::at_delete_limit() {
  if (c_.opts.max_delete >= 0 && c_.stats.deleted_files >= c_.opts.max_delete) {
    ++skipped_deletes_;
    return true;
  }
  return false;
}

Status ReceivingSide::remove_now(int parent_fd, const std::string& base, const std::string& rel,
                                 bool is_dir) {
  struct stat st {};
  if (::fstatat(parent_fd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Status::Ok();
  if (!c_.opts.dry_run && ::unlinkat(parent_fd, base.c_str(), is_dir ? AT_REMOVEDIR : 0) != 0) {
    if (is_dir && (errno == ENOTEMPTY || errno == EEXIST)) {
      c_.output->info("cannot delete non-empty directory: " + rel + "\n");
      return Status::Ok();
    }
    c_.output->error("rsync: [generator] delete_file: " + std::string(is_dir ? "rmdir" : "unlink") +
                     "(" + rel + ") failed: " + errno_text(errno) + "\n");
    c_.output->note_xfer_error();
    return Status::Ok();
  }
  report_delete(rel, st.st_mode);
  return Status::Ok();
}

// Empties a directory, deepest first, in upstream's order; each item is
// checked against --max-delete when its turn to go comes.
Status ReceivingSide::delete_contents(int dir_fd, const std::string& rel) {
  std::vector<FileEntry> inner;
  if (!list_for_delete(dir_fd, &inner, c_.protocol()).ok()) return Status::Ok();
  for (const auto& e : inner) {
    const std::string child = rel + "/" + e.name;
    const bool dir = flist::is_dir(e.mode);
    if (dir) {
      const int fd =
          ::openat(dir_fd, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        fs::Fd d(fd);
        CRSYNC_RETURN_IF_ERROR(delete_contents(d.get(), child));
      }
    }
    if (at_delete_limit()) continue;
    CRSYNC_RETURN_IF_ERROR(remove_now(dir_fd, e.name, child, dir));
  }
  return Status::Ok();
}

Status ReceivingSide::delete_item(int parent_fd, const std::string& base, const std::string& rel,
                                  bool is_dir) {
  if (at_delete_limit()) return Status::Ok();
  if (is_dir) {
    const int fd =
        ::openat(parent_fd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      fs::Fd dir(fd);
      CRSYNC_RETURN_IF_ERROR(delete_contents(dir.get(), rel));
    }
  }
  return remove_now(parent_fd, base, rel, is_dir);
}

Status ReceivingSide::delete_extraneous(const std::string& dir_rel) {
  auto dir = fs::open_beneath(dest_.fd(), dir_rel == "." ? "" : dir_rel, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) return Status::Ok();  // nothing there (yet)
  std::vector<FileEntry> present;
  if (!list_for_delete(dir->get(), &present, c_.protocol()).ok()) return Status::Ok();
  for (const auto& e : present) {
    const std::string rel = dir_rel == "." ? e.name : dir_rel + "/" + e.name;
    if (!c_.rules.empty() && !c_.opts.delete_excluded &&
        filter::is_excluded(c_.rules, rel, flist::is_dir(e.mode), filter::Side::kReceiver))
      continue;  // excluded files are protected from deletion
    if (names_.count(rel)) {
      // A directory replaced by a non-directory (or the reverse) is handled
      // by the entry itself.
      continue;
    }
    CRSYNC_RETURN_IF_ERROR(delete_item(dir->get(), e.name, rel, flist::is_dir(e.mode)));
  }
  return Status::Ok();
}

Status ReceivingSide::delete_pass() {
  for (const auto& e : list_)
    if (is_content_dir(e)) CRSYNC_RETURN_IF_ERROR(delete_extraneous(local_name(e)));
  return Status::Ok();
}

Status ReceivingSide::send_del_stats() {
  const TransferStats& st = c_.stats;
  ByteWriter w;
  gen_ndx_->put(w, wire::kNdxDelStats);
  const int64_t other = st.deleted_files - st.deleted_dirs - st.deleted_symlinks -
                        st.deleted_devices - st.deleted_specials;
  for (int64_t v :
       {other, st.deleted_dirs, st.deleted_symlinks, st.deleted_devices, st.deleted_specials})
    wire::put_varint(w, static_cast<int32_t>(v));
  return c_.out->write(w);
}

Status ReceivingSide::wait_dones(int count) {
  // Handles redo requests while waiting for the receiver's phase reports.
  for (;;) {
    Event ev{};
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (dones_seen_ >= count) return Status::Ok();
      cv_.wait(lock, [&] { return !events_.empty(); });
      ev = events_.front();
      events_.pop_front();
      if (ev.kind == Event::kDone) {
        ++dones_seen_;
        continue;
      }
      if (ev.kind == Event::kStop) return Status::Stream("receiver stopped");
    }
    if (ev.kind == Event::kRedo) {
      const size_t idx = static_cast<size_t>(ev.ndx - ndx_start_);
      CRSYNC_RETURN_IF_ERROR(generate_regular(idx, true));
      CRSYNC_RETURN_IF_ERROR(c_.out->flush());
    }
  }
}

void ReceivingSide::touch_up_dirs() {
  if (c_.opts.dry_run) return;
  for (size_t i = list_.size(); i-- > 0;) {
    const FileEntry& e = list_[i];
    if (!flist::is_dir(e.mode)) continue;
    fs::Fd parent;
    std::string base;
    const std::string rel = local_name(e);
    if (!dest_.open_parent(rel, &parent, &base).ok()) continue;
    set_attrs(parent.get(), base.empty() ? "." : base, e, -1, false, true);
    if (!c_.opts.preserve_perms && ::geteuid() != 0) {
      // Restore what set_attrs would have left (no -p: keep existing).
    }
  }
}

Status ReceivingSide::generator_main() {
  const int proto = c_.protocol();
  wire::NdxEncoder enc(proto);
  gen_ndx_ = &enc;
  const auto done = [&]() -> Status {
    ByteWriter w;
    enc.put(w, wire::kNdxDone);
    CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
    return c_.out->flush();
  };
  const DeleteMode dm = c_.opts.effective_delete(proto);
  const bool late_delete = dm == DeleteMode::kDelay || dm == DeleteMode::kAfter;
  const bool del_stats = proto >= 31 && c_.opts.stats && dm != DeleteMode::kNone;
  if (dm != DeleteMode::kNone)
    for (const auto& e : list_) names_.insert(local_name(e));
  if (dm == DeleteMode::kBefore) CRSYNC_RETURN_IF_ERROR(delete_pass());
  for (size_t i = 0; i < list_.size(); ++i) {
    CRSYNC_RETURN_IF_ERROR(generate_entry(i, false));
    if (dm == DeleteMode::kDuring && is_content_dir(list_[i]))
      CRSYNC_RETURN_IF_ERROR(delete_extraneous(local_name(list_[i])));
  }
  CRSYNC_RETURN_IF_ERROR(done());         // G1: end of phase 0
  CRSYNC_RETURN_IF_ERROR(wait_dones(1));  // redo requests until R1
  CRSYNC_RETURN_IF_ERROR(done());         // G2: end of the redo phase
  const bool delay = c_.opts.delay_updates;
  if (proto >= 29 && !delay) CRSYNC_RETURN_IF_ERROR(done());  // G3
  if (proto >= 31 && !late_delete) {
    if (del_stats) CRSYNC_RETURN_IF_ERROR(send_del_stats());
    if (!delay) CRSYNC_RETURN_IF_ERROR(done());  // G4
  }
  CRSYNC_RETURN_IF_ERROR(wait_dones(2));
  if (proto >= 29) {
    if (delay) {
      CRSYNC_RETURN_IF_ERROR(done());
      if (proto >= 31 && !late_delete) CRSYNC_RETURN_IF_ERROR(done());
    }
    CRSYNC_RETURN_IF_ERROR(wait_dones(3));
  }
  if (late_delete) {
    CRSYNC_RETURN_IF_ERROR(delete_pass());
    CRSYNC_RETURN_IF_ERROR(c_.out->flush());
  }
  if (c_.opts.max_delete >= 0 && skipped_deletes_) {
    c_.output->warning("Deletions stopped due to --max-delete limit (" +
                       std::to_string(skipped_deletes_) + " skipped)\n");
    io_error_ |= static_cast<int32_t>(wire::kIoerrDelLimit);
  }
  if (proto >= 31) {
    if (late_delete) {
      if (del_stats) CRSYNC_RETURN_IF_ERROR(send_del_stats());
      CRSYNC_RETURN_IF_ERROR(done());  // G4
    }
    CRSYNC_RETURN_IF_ERROR(wait_dones(4));
  }
  touch_up_dirs();
  return done();  // G5: the goodbye
}

// ---------------------------------------------------------------------------
// Receiver

Status ReceivingSide::discard_file_data() {
  const int proto = c_.protocol();
  const int sum_len = checksum::digest_len(c_.neg.xfer_sum);
  checksum::SumHead h;
  CRSYNC_RETURN_IF_ERROR(
      c_.in->decode([&](ByteReader& r) { return delta::get_sum_head(r, proto, sum_len, &h); }));
  for (;;) {
    delta::Token t;
    CRSYNC_RETURN_IF_ERROR(
        c_.in->decode([&](ByteReader& r) { return delta::get_token(r, h.count, &t); }));
    if (t.kind == delta::Token::Kind::kEnd) break;
  }
  uint8_t sum[64];
  return c_.in->read_bytes(sum, static_cast<size_t>(sum_len));
}

Status ReceivingSide::receive_one(int32_t ndx, uint32_t iflags) {
  (void)iflags;
  const size_t idx = static_cast<size_t>(ndx - ndx_start_);
  const FileEntry& e = list_[idx];
  const int proto = c_.protocol();
  const int sum_len = checksum::digest_len(c_.neg.xfer_sum);
  const std::string rel = local_name(e);
  const bool redoing = redo_done_[idx];

  checksum::SumHead h;
  CRSYNC_RETURN_IF_ERROR(
      c_.in->decode([&](ByteReader& r) { return delta::get_sum_head(r, proto, sum_len, &h); }));

  fs::Fd parent;
  std::string base;
  Status ps = dest_.open_parent(rel, &parent, &base);
  if (!ps.ok()) {
    c_.output->error("rsync: [receiver] cannot open parent of \"" + rel +
                     "\": " + std::string(ps.message()) + "\n");
    c_.output->note_xfer_error();
    // Consume the data.
    for (;;) {
      delta::Token t;
      CRSYNC_RETURN_IF_ERROR(
          c_.in->decode([&](ByteReader& r) { return delta::get_token(r, h.count, &t); }));
      if (t.kind == delta::Token::Kind::kEnd) break;
    }
    uint8_t sum[64];
    return c_.in->read_bytes(sum, static_cast<size_t>(sum_len));
  }
  Basis basis;
  fs::Fd basis_fd;
  if (h.count > 0) {
    const int fd = ::openat(parent.get(), base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      basis_fd = fs::Fd(fd);
      if (!basis.map(fd)) basis.len = 0;
    }
  }
  std::string tmp;
  fs::Fd out_fd;
  for (int tries = 0; tries < 10 && !out_fd.valid(); ++tries) {
    tmp = tmp_name_for(base);
    const int fd = ::openat(parent.get(), tmp.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
      out_fd = fs::Fd(fd);
    else if (errno != EEXIST)
      break;
  }
  if (!out_fd.valid()) {
    c_.output->error("rsync: [receiver] mkstemp \"" + rel + "\" failed: " + errno_text(errno) +
                     "\n");
    c_.output->note_xfer_error();
  }
  checksum::FileSum fsum(c_.neg.xfer_sum, c_.neg.seed);
  Bytes buf;
  buf.reserve(256 * 1024);
  Status ws;
  const auto flush = [&]() {
    size_t off = 0;
    while (out_fd.valid() && ws.ok() && off < buf.size()) {
      const ssize_t n = ::write(out_fd.get(), buf.data() + off, buf.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        ws = Status::Error(ExitCode::kFileIo,
                           "write failed on \"" + rel + "\": " + errno_text(errno));
        break;
      }
      off += static_cast<size_t>(n);
    }
    buf.clear();
  };
  bool missing_basis = false;
  for (;;) {
    delta::Token t;
    CRSYNC_RETURN_IF_ERROR(c_.in->decode([&](ByteReader& r) {
      Status s = delta::get_token(r, h.count, &t);
      if (s.ok() && t.kind == delta::Token::Kind::kLiteral) {
        fsum.update(t.literal);
        buf.insert(buf.end(), t.literal.begin(), t.literal.end());
        c_.stats.literal_data += static_cast<int64_t>(t.literal.size());
      }
      return s;
    }));
    if (t.kind == delta::Token::Kind::kEnd) break;
    if (t.kind == delta::Token::Kind::kBlock) {
      const uint64_t off = static_cast<uint64_t>(t.block) * static_cast<uint64_t>(h.blength);
      const uint64_t len = (t.block == h.count - 1 && h.remainder)
                               ? static_cast<uint64_t>(h.remainder)
                               : static_cast<uint64_t>(h.blength);
      if (off + len > basis.len) {
        missing_basis = true;
      } else {
        const ByteSpan blk =
            basis.span().subspan(static_cast<size_t>(off), static_cast<size_t>(len));
        fsum.update(blk);
        buf.insert(buf.end(), blk.begin(), blk.end());
        c_.stats.matched_data += static_cast<int64_t>(len);
      }
    }
    if (buf.size() >= 256 * 1024) flush();
  }
  flush();
  uint8_t theirs[64], ours[64];
  CRSYNC_RETURN_IF_ERROR(c_.in->read_bytes(theirs, static_cast<size_t>(sum_len)));
  fsum.finish(ours);
  const bool ok = !missing_basis && std::memcmp(theirs, ours, static_cast<size_t>(sum_len)) == 0;
  if (!out_fd.valid() || !ws.ok()) {
    if (!ws.ok()) {
      c_.output->error("rsync: [receiver] " + std::string(ws.message()) + "\n");
      ::unlinkat(parent.get(), tmp.c_str(), 0);
      return Status::Error(ExitCode::kFileIo, std::string(ws.message()));
    }
    return Status::Ok();
  }
  if (!ok) {
    ::unlinkat(parent.get(), tmp.c_str(), 0);
    if (!redoing) {
      if (c_.opts.verbose > 0 || c_.opts.itemize)
        c_.output->warning("WARNING: " + rel +
                           " failed verification -- update discarded (will try again).\n");
      redo_done_[idx] = true;
      post({Event::kRedo, ndx});
    } else {
      c_.output->error("ERROR: " + rel + " failed verification -- update discarded.\n");
      c_.output->note_xfer_error();
    }
    return Status::Ok();
  }
  set_attrs(parent.get(), base, e, out_fd.get(), true, true);
  out_fd = fs::Fd();
  if (::renameat(parent.get(), tmp.c_str(), parent.get(), base.c_str()) != 0) {
    c_.output->error("rsync: [receiver] rename \"" + tmp + "\" -> \"" + rel +
                     "\": " + errno_text(errno) + "\n");
    c_.output->note_xfer_error();
    ::unlinkat(parent.get(), tmp.c_str(), 0);
  }
  return Status::Ok();
}

Status ReceivingSide::receiver_main() {
  const int proto = c_.protocol();
  wire::NdxDecoder dec(proto);
  const auto read_ndx = [&](int32_t* ndx) {
    return c_.in->decode([&](ByteReader& r) { return dec.get(r, ndx); });
  };
  int phase = 0;
  for (;;) {
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    if (ndx == wire::kNdxDone) {
      if (++phase > c_.max_phase()) break;
      post({Event::kDone, 0});
      continue;
    }
    if (ndx == wire::kNdxDelStats && proto >= 31) {
      int32_t v[5];
      for (auto& x : v) CRSYNC_RETURN_IF_ERROR(c_.in->read_varint(&x));
      c_.stats.deleted_files = int64_t{v[0]} + v[1] + v[2] + v[3] + v[4];
      c_.stats.deleted_dirs = v[1];
      c_.stats.deleted_symlinks = v[2];
      c_.stats.deleted_devices = v[3];
      c_.stats.deleted_specials = v[4];
      continue;
    }
    const int64_t last = ndx_start_ + static_cast<int64_t>(list_.size()) - 1;
    CRSYNC_PEER_CHECK(ndx >= ndx_start_ && ndx <= last, ExitCode::kProtocol,
                      "Invalid file index: " + std::to_string(ndx) + " (" +
                          std::to_string(ndx_start_) + " - " + std::to_string(last) +
                          ") [receiver]");
    uint16_t iflags16 = wire::kItemTransfer;
    uint32_t iflags = wire::kItemTransfer | wire::kItemMissingData;
    if (proto >= 29) {
      CRSYNC_RETURN_IF_ERROR(c_.in->read_int16(&iflags16));
      iflags = iflags16;
      if (iflags & wire::kItemBasisTypeFollows) {
        uint8_t type = 0;
        CRSYNC_RETURN_IF_ERROR(c_.in->read_byte(&type));
        CRSYNC_PEER_CHECK(type == wire::kFnamecmpFname, ExitCode::kProtocol,
                          "invalid basis_dir index: " + std::to_string(type) + ".");
      }
      if (iflags & wire::kItemXnameFollows) {
        std::string xname;
        CRSYNC_RETURN_IF_ERROR(c_.in->decode(
            [&](ByteReader& r) { return wire::get_vstring(r, wire::kMaxPathLen, &xname); }));
      }
    }
    const FileEntry& e = list_[static_cast<size_t>(ndx - ndx_start_)];
    if (!(iflags & wire::kItemTransfer)) {
      // A pull's client prints the items the sender echoes.
      if (!c_.am_server && should_log_nontransfer(c_, iflags, e)) log_item(iflags, e);
      count_created(c_.stats, iflags, e);
      continue;
    }
    CRSYNC_PEER_CHECK(
        flist::is_reg(e.mode), ExitCode::kProtocol,
        "received request to transfer non-regular file: " + std::to_string(ndx) + " [receiver]");
    CRSYNC_PEER_CHECK(phase < 2, ExitCode::kProtocol, "got transfer request in phase 2 [receiver]");
    if (!redo_done_[static_cast<size_t>(ndx - ndx_start_)]) {
      ++c_.stats.xferred_files;
      c_.stats.total_transferred_size += e.size;
      count_created(c_.stats, iflags, e);
    }
    if (!c_.am_server && c_.logs_items()) log_item(iflags, e);
    if (c_.opts.dry_run) continue;
    CRSYNC_RETURN_IF_ERROR(receive_one(ndx, iflags));
  }
  // A client receiver reads the server sender's statistics.
  if (!c_.am_server) {
    int64_t v[5] = {0, 0, 0, 0, 0};
    const int n = proto >= 29 ? 5 : 3;
    for (int i = 0; i < n; ++i)
      CRSYNC_RETURN_IF_ERROR(
          c_.in->decode([&](ByteReader& r) { return wire::get_varlong30(r, 3, proto, &v[i]); }));
    c_.stats.total_written = v[0];  // the sender's read and written, swapped
    c_.stats.total_read = v[1];
    c_.stats.total_size = v[2];
    c_.stats.flist_buildtime_ms = v[3];
    c_.stats.flist_xfertime_ms = v[4];
  }
  post({Event::kDone, 0});
  if (proto >= 31) {
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    while (ndx == wire::kNdxDelStats) {
      int32_t v[5];
      for (auto& x : v) CRSYNC_RETURN_IF_ERROR(c_.in->read_varint(&x));
      c_.stats.deleted_files = int64_t{v[0]} + v[1] + v[2] + v[3] + v[4];
      c_.stats.deleted_dirs = v[1];
      c_.stats.deleted_symlinks = v[2];
      c_.stats.deleted_devices = v[3];
      c_.stats.deleted_specials = v[4];
      CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    }
    CRSYNC_PEER_CHECK(ndx == wire::kNdxDone, ExitCode::kProtocol,
                      "Invalid packet at end of run [receiver]");
    post({Event::kDone, 0});
  }
  return Status::Ok();
}

Status ReceivingSide::run() {
  CRSYNC_RETURN_IF_ERROR(receive_file_list());
  if (list_.empty()) return Status::Ok();
  CRSYNC_RETURN_IF_ERROR(open_destination());
  std::thread gen([&] {
    gen_status_ = generator_main();
    if (!gen_status_.ok()) c_.out->flush().ok();
  });
  Status rs = receiver_main();
  if (!rs.ok()) post({Event::kStop, 0});
  gen.join();
  if (!rs.ok()) return rs;
  return gen_status_;
}

}  // namespace crsync::session
