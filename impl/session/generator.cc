// The receiving side's generator: what each entry needs and the requests
// to the sender (upstream generator.c recv_generator). The event queue,
// the lists' course and the phase ends are in generator_phases.cc.
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
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include "base/check.h"
#include "delta/signature.h"
#include "delta/token_codec.h"
#include "flist/flist_decoder.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "fs/fake_super.h"
#include "fs/read_at.h"
#include "session/receiving.h"
#include "session/receiving_internal.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;
using receiving_internal::Basis;
using receiving_internal::errno_text;
using receiving_internal::tmp_name_for;

// ---------------------------------------------------------------------------
// Generator

Status ReceivingSide::send_item(int32_t ndx, uint32_t iflags, const std::string* xname) {
  if (c_.protocol() < 29) return Status::Ok();
  ByteWriter w;
  gen_ndx_->put(w, ndx);
  wire::put_int16(w, static_cast<uint16_t>(iflags & 0xFFFF));
  if (iflags & wire::kItemXnameFollows)
    CRSYNC_RETURN_IF_ERROR(wire::put_vstring(w, xname ? *xname : std::string()));
  return c_.out->write(w);
}

bool ReceivingSide::keep_dirlink(const std::string& rel, struct stat* st) {
  if (symlinks_made_.count({st->st_dev, st->st_ino})) return false;
  fs::Fd parent;
  std::string base;
  if (!dest_.open_parent(rel, &parent, &base).ok()) return false;
  // The one place a destination symlink is followed: the user asked for it.
  fs::Fd dir(::openat(parent.get(), base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat target {};
  if (!dir.valid() || ::fstat(dir.get(), &target) != 0 || !S_ISDIR(target.st_mode)) return false;
  dest_.add_dirlink(rel, std::move(dir));
  *st = target;
  return true;
}

Status ReceivingSide::generate_dir(const FileEntry& e, int32_t ndx, bool partial) {
  const std::string rel = local_name(e);
  struct stat st {};
  bool exists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  if (exists && S_ISLNK(st.st_mode) && c_.opts.keep_dirlinks) (void)keep_dirlink(rel, &st);
  fs::Fd parent;
  std::string base;
  if (partial) {
    // Seen in its parent's list: with -t (and no -O) a missing directory is
    // made now, so the parent's time can be set when its list is done; it
    // is itemized (as new) when its own list starts.
    if (!c_.opts.preserve_mtimes || c_.opts.omits_dir_times() || c_.opts.dry_run)
      return Status::Ok();
    if (exists && S_ISDIR(st.st_mode)) return Status::Ok();
    CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
    const char* what = "unlink";
    if (exists && !remove_file(parent.get(), base, rel, c_.opts.making_backups(), &what))
      return Status::Ok();
    if (::mkdirat(parent.get(), base.c_str(), (e.mode & 0700) | 0700) == 0)
      dirs_created_.insert(e.name);
    return Status::Ok();
  }
  if (exists && !S_ISDIR(st.st_mode)) {
    if (!c_.opts.dry_run) {
      // Made way for (with -b: moved to its backup).
      CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
      const char* what = "unlink";
      if (!remove_file(parent.get(), base, rel, c_.opts.making_backups(), &what)) {
        c_.output->error("rsync: [generator] delete_file: " + std::string(what) + "(" + rel +
                         ") failed: " + errno_text(errno) + "\n");
        c_.output->error("rsync: [generator] could not make way for new directory: " + rel + "\n");
        c_.output->note_xfer_error();
        return Status::Ok();
      }
    }
    exists = false;
  }
  const bool created_here = (dest_created_ && rel == ".") || dirs_created_.count(e.name);
  uint32_t iflags = exists && !created_here ? itemize_existing(e, st)
                                            : (wire::kItemIsNew | wire::kItemLocalChange);
  if (!exists || created_here) iflags = wire::kItemIsNew | wire::kItemLocalChange;
  // A directory the basis directories have: itemized against theirs, or
  // already reported as matching one (alt_dest.cc).
  bool report = true;
  if ((!exists || created_here) && !basis_dirs_.empty()) {
    int j = -1;
    struct stat bst {};
    CRSYNC_RETURN_IF_ERROR(try_dests_non(e, ndx, rel, &j, &bst));
    if (j == -2 || j == -3)
      report = false;
    else if (j >= 0)
      iflags = wire::kItemLocalChange | itemize_existing(e, bst);
  }
  if (report) {
    if (gen_logs() && gen_logs_item(c_, iflags, e, false)) log_item(iflags, e);
    if (gen_reports_item(c_, iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
    if (server_names() && item_is_significant(iflags)) c_.output->info(name_and_link(e) + "\n");
  }
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
  // (A directory made in its parent's list is as new as one made now.)
  // An existing directory's unchanged attributes are left alone, as
  // upstream's set_file_attrs does (no chown or chmod, so no new ctime).
  set_attrs(parent.get(), base.empty() ? "." : base, e, -1, !exists || created_here, false,
            exists && !created_here ? &st : nullptr);
  if (!exists || (st.st_mode & 0700) != 0700) {
    // Keep the directory writable while its contents arrive; the final
    // permissions are set in touch_up_dirs.
    // (With fake super it is already: upstream's am_root < 0.)
    if (::geteuid() != 0 && !c_.opts.fake_super)
      ::fchmodat(parent.get(), base.c_str(), 0700 | (e.mode & 07777), 0);
  }
  return Status::Ok();
}

// A missing symlink, device or special file the basis directories have
// (alt_dest.cc): linked or left out by --compare-dest (*done), made without
// its own report (already given), or itemized against the near match.
Status ReceivingSide::alt_dest_made(const FileEntry& e, int32_t ndx, const std::string& rel,
                                    bool exists, uint32_t* iflags, bool* report, bool* done) {
  if (exists || basis_dirs_.empty()) return Status::Ok();
  int j = -1;
  struct stat bst {};
  CRSYNC_RETURN_IF_ERROR(try_dests_non(e, ndx, rel, &j, &bst));
  if (j == -2 && c_.opts.alt_dest != AltDest::kCopy)
    *done = true;
  else if (j == -2 || j == -3)
    *report = false;
  else if (j >= 0)
    *iflags = wire::kItemLocalChange | wire::kItemReportChange | itemize_existing(e, bst);
  return Status::Ok();
}

Status ReceivingSide::generate_symlink(const FileEntry& e, int32_t ndx) {
  const std::string rel = local_name(e);
  struct stat st {};
  bool exists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  fs::Fd parent;
  std::string base;
  CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
  // A daemon's "munge symlinks" stores every target behind a prefix that
  // leads nowhere, so an uploaded symlink can never be followed out of the
  // module (upstream SYMLINK_PREFIX).
  const std::string target =
      c_.opts.munge_symlinks ? std::string(wire::kSymlinkPrefix) + e.link_target : e.link_target;
  if (exists && S_ISLNK(st.st_mode)) {
    char buf[wire::kMaxPathLen];
    const ssize_t n = c_.opts.fake_super
                          ? fs::read_fake_link(parent.get(), base.c_str(), buf, sizeof buf, false)
                          : ::readlinkat(parent.get(), base.c_str(), buf, sizeof buf);
    if (n >= 0 && std::string(buf, static_cast<size_t>(n)) == target) {
      const uint32_t iflags = itemize_existing(e, st);
      if (!c_.opts.dry_run) set_attrs(parent.get(), base, e, -1, false, true, &st);
      if (gen_logs() && gen_logs_item(c_, iflags, e, false)) log_item(iflags, e);
      if (gen_reports_item(c_, iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
      if (c_.opts.remove_source_files == 1) return send_success(ndx);
      return Status::Ok();
    }
  }
  uint32_t iflags = wire::kItemLocalChange | wire::kItemReportChange;
  if (!exists || !S_ISLNK(st.st_mode))
    iflags |= wire::kItemIsNew;
  else
    iflags |= itemize_existing(e, st);
  bool report = true, done = false;
  CRSYNC_RETURN_IF_ERROR(alt_dest_made(e, ndx, rel, exists, &iflags, &report, &done));
  if (done) return Status::Ok();
  if (!c_.opts.dry_run) {
    // -b: what is replaced is backed up first (upstream atomic_create).
    if (exists && !S_ISDIR(st.st_mode) && c_.opts.making_backups() &&
        make_backup(rel, BackupHow::kLinkFirst) == BackupResult::kFailed)
      return Status::Ok();
    const std::string tmp = tmp_name_for(base);
    if (exists && S_ISDIR(st.st_mode)) dest_.forget_lstat_dir();
    if ((c_.opts.fake_super ? fs::make_fake_file(parent.get(), tmp, target)
                            : ::symlinkat(target.c_str(), parent.get(), tmp.c_str())) != 0 ||
        (exists && S_ISDIR(st.st_mode) &&
         ::unlinkat(parent.get(), base.c_str(), AT_REMOVEDIR) != 0 && false) ||
        ::renameat(parent.get(), tmp.c_str(), parent.get(), base.c_str()) != 0) {
      c_.output->error("rsync: [generator] symlink \"" + rel + "\" -> \"" + e.link_target +
                       "\" failed: " + errno_text(errno) + "\n");
      c_.output->note_xfer_error();
      ::unlinkat(parent.get(), tmp.c_str(), 0);
      return Status::Ok();
    }
    if (struct stat made{}; ::fstatat(parent.get(), base.c_str(), &made, AT_SYMLINK_NOFOLLOW) == 0)
      symlinks_made_.insert({made.st_dev, made.st_ino});
    set_attrs(parent.get(), base, e, -1, true, true);
  }
  if (report) {
    if (gen_logs() && gen_logs_item(c_, iflags, e, true)) log_item(iflags, e);
    if (server_names()) c_.output->info(name_and_link(e) + "\n");
    CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
  }
  // (Also --remove-sent-files: a symlink counts as sent.)
  return c_.opts.dry_run ? Status::Ok() : send_success(ndx);
}

Status ReceivingSide::generate_special(const FileEntry& e, int32_t ndx) {
  const bool dev = flist::is_device(e.mode);
  if ((dev && (!c_.opts.preserve_devices || !am_root_)) || (!dev && !c_.opts.preserve_specials)) {
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
    if (!c_.opts.dry_run) set_attrs(parent.get(), base, e, -1, false, true, &st);
    if (gen_logs() && gen_logs_item(c_, iflags, e, false)) log_item(iflags, e);
    if (gen_reports_item(c_, iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
    if (c_.opts.remove_source_files == 1) return send_success(ndx);
    return Status::Ok();
  }
  uint32_t iflags = wire::kItemLocalChange | wire::kItemReportChange;
  if (!exists || (st.st_mode & S_IFMT) != (e.mode & S_IFMT))
    iflags |= wire::kItemIsNew;
  else
    iflags |= itemize_existing(e, st);
  bool report = true, done = false;
  CRSYNC_RETURN_IF_ERROR(alt_dest_made(e, ndx, rel, exists, &iflags, &report, &done));
  if (done) return Status::Ok();
  if (!c_.opts.dry_run) {
    if (exists && !S_ISDIR(st.st_mode) && c_.opts.making_backups() &&
        make_backup(rel, BackupHow::kLinkFirst) == BackupResult::kFailed)
      return Status::Ok();
    const std::string tmp = tmp_name_for(base);
    if ((c_.opts.fake_super
             ? fs::make_fake_file(parent.get(), tmp, {})
             : ::mknodat(parent.get(), tmp.c_str(), (e.mode & S_IFMT) | 0600, rdev)) != 0 ||
        ::renameat(parent.get(), tmp.c_str(), parent.get(), base.c_str()) != 0) {
      c_.output->error("rsync: [generator] mknod \"" + rel + "\" failed: " + errno_text(errno) +
                       "\n");
      c_.output->note_xfer_error();
      ::unlinkat(parent.get(), tmp.c_str(), 0);
      return Status::Ok();
    }
    set_attrs(parent.get(), base, e, -1, true, true);
  }
  if (report) {
    if (gen_logs() && gen_logs_item(c_, iflags, e, true)) log_item(iflags, e);
    if (server_names()) c_.output->info(name_and_link(e) + "\n");
    CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
  }
  if (c_.opts.remove_source_files == 1 && !c_.opts.dry_run) return send_success(ndx);
  return Status::Ok();
}

Status ReceivingSide::generate_regular(const FileEntry& e, int32_t ndx, bool redo) {
  const std::string rel = local_name(e);
  const Options& o = c_.opts;
  struct stat st {};
  bool exists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  if (!redo) {
    if (o.existing_only && !exists) return Status::Ok();
    if (o.ignore_existing && exists) return Status::Ok();
    // upstream recv_generator: checked before --update, never in a redo.
    if (o.max_size >= 0 && e.size > o.max_size) {
      if (o.info(Info::kSkip) >= 1) c_.output->info(e.name + " is over max-size\n");
      return Status::Ok();
    }
    if (o.min_size >= 0 && e.size < o.min_size) {
      if (o.info(Info::kSkip) >= 1) c_.output->info(e.name + " is under min-size\n");
      return Status::Ok();
    }
    if (o.update_only && exists && e.mtime - st.st_mtim.tv_sec < o.modify_window)
      return Status::Ok();
  }
  if (exists && !S_ISREG(st.st_mode)) {
    if (!o.dry_run) {
      fs::Fd parent;
      std::string base;
      CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
      // A directory in the way is removed; anything else is too, or with
      // -b moved to its backup (not in a redo, as upstream).
      const char* what = "rmdir";
      if (S_ISDIR(st.st_mode)) dest_.forget_lstat_dir();
      const bool removed =
          S_ISDIR(st.st_mode)
              ? ::unlinkat(parent.get(), base.c_str(), AT_REMOVEDIR) == 0
              : remove_file(parent.get(), base, rel, o.making_backups() && !redo, &what);
      if (!removed) {
        c_.output->error("rsync: [generator] delete_file: " + std::string(what) + " \"" + rel +
                         "\" failed: " + errno_text(errno) + "\n");
        c_.output->note_xfer_error();
        return Status::Ok();
      }
    }
    exists = false;
  }
  // A partial file (--partial-dir, --delay-updates) of an earlier run is
  // the basis (upstream's FNAMECMP_PARTIAL_DIR).
  fs::Fd partial_dir;
  struct stat pst {};
  const bool have_partial = find_partial_file(rel, &partial_dir, &pst);
  // --compare-dest, --copy-dest, --link-dest (alt_dest.cc): an exact match
  // is handled there; a near one is the basis, and the file is then treated
  // as existing with its stat (upstream's fnamecmp_type = the dir's index).
  int from_basis = -1;
  // (Before -H defers a missing member to the last of its group, as
  // upstream: a member found there becomes the group's leader. A member
  // whose leader is known is linked to it instead.)
  const bool hlinked = !redo && o.preserve_hard_links && hlink_group(ndx);
  const bool has_leader =
      hlinked && hlink_group(ndx)->leader >= 0 && hlink_group(ndx)->members.front() != ndx;
  if (!basis_dirs_.empty() && (!exists || o.alt_dest != AltDest::kCopy) && !has_leader) {
    int j = -1;
    struct stat bst {};
    CRSYNC_RETURN_IF_ERROR(try_dests_reg(e, ndx, rel, exists, st, &j, &bst));
    if (j == -2 || j == -4) {
      if (hlinked && j == -2) {
        hlink_group(ndx)->leader = ndx;
        CRSYNC_RETURN_IF_ERROR(hlink_leader_done(ndx));
      }
      if (o.remove_source_files == 1) CRSYNC_RETURN_IF_ERROR(send_success(ndx));
      return Status::Ok();
    }
    if (j >= 0) {
      from_basis = j;
      st = bst;
      exists = true;
    }
  }
  if (hlinked) {
    bool handled = false;
    CRSYNC_RETURN_IF_ERROR(hlink_follower(e, ndx, exists, &handled));
    if (handled) return Status::Ok();
  }
  // Quick check: same size and mtime (or same checksum with -c).
  if (exists && !redo && !o.ignore_times && from_basis < 0) {
    bool same = false;
    if (o.always_checksum) {
      if (st.st_size == e.size) {
        auto fd = dest_.open_read(rel);
        if (fd.ok()) {
          Basis b;
          if (b.map(fd->get())) {
            checksum::Hasher hs(c_.neg.file_sum);
            fs::for_each_window(b.file, 0, b.len, [&](ByteSpan piece) { hs.update(piece); });
            checksum::DigestBuf d{};
            hs.finish(d.data());
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
      if (!o.dry_run && (have_partial || attrs_differ(e, st, iflags))) {
        fs::Fd parent;
        std::string base;
        CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
        // A partial file of an earlier run is no longer wanted.
        if (have_partial) {
          ::unlinkat(partial_dir.get(), base.c_str(), 0);
          remove_partial_dir(parent.get());
        }
        set_attrs(parent.get(), base, e, -1, false, true, &st);
      }
      if (gen_logs() && gen_logs_item(c_, iflags, e, false)) log_item(iflags, e);
      if (gen_reports_item(c_, iflags)) CRSYNC_RETURN_IF_ERROR(send_item(ndx, iflags));
      if (hlinked) {
        hlink_group(ndx)->leader = ndx;
        CRSYNC_RETURN_IF_ERROR(hlink_leader_done(ndx));
      }
      if (o.remove_source_files == 1) CRSYNC_RETURN_IF_ERROR(send_success(ndx));
      return Status::Ok();
    }
  }
  // --append: a destination that is not shorter is left alone (upstream
  // says nothing about it).
  const int append = redo ? 0 : o.append_mode(c_.protocol());
  if (append > 0 && exists && st.st_size >= e.size) return Status::Ok();
  // Transfer.
  uint32_t iflags = wire::kItemTransfer;
  if (o.always_checksum) iflags |= wire::kItemReportChange;
  if (exists) {
    iflags |= itemize_existing(e, st);
    if (!o.preserve_mtimes) iflags |= wire::kItemReportTime;
  } else {
    iflags |= wire::kItemIsNew;
  }
  // --append always sends sums (upstream clears whole_file for it).
  const bool whole = !o.append && (o.whole_file == 1 || (o.whole_file < 0 && c_.local));
  // --inplace -b: the receiver overwrites the destination, so it is copied
  // to its backup first; with delta transfer the backup is the basis the
  // receiver reads (upstream's FNAMECMP_BACKUP). No second backup in a redo.
  uint8_t basis_type = wire::kFnamecmpFname;
  if (have_partial) {
    basis_type = wire::kFnamecmpPartialDir;
    iflags |= wire::kItemBasisTypeFollows;
  } else if (from_basis >= 0) {
    basis_type = static_cast<uint8_t>(wire::kFnamecmpBasisDirLow + from_basis);
    iflags |= wire::kItemBasisTypeFollows;
  } else if (exists && o.inplace && o.making_backups() && !redo && !o.dry_run) {
    if (make_backup(rel, BackupHow::kCopy) != BackupResult::kKept) return Status::Ok();
    if (!whole) {
      basis_type = wire::kFnamecmpBackup;
      iflags |= wire::kItemBasisTypeFollows;
    }
  }
  ByteWriter w;
  gen_ndx_->put(w, ndx);
  if (c_.protocol() >= 29) {
    wire::put_int16(w, static_cast<uint16_t>(iflags));
    if (iflags & wire::kItemBasisTypeFollows) wire::put_byte(w, basis_type);
  }
  if (hlinked) hlink_group(ndx)->leader = ndx;
  if (o.dry_run) {
    CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
    return hlinked ? hlink_leader_done(ndx) : Status::Ok();
  }
  if (c_.neg.inc_recurse) {
    if (RecvList* l = list_for(ndx)) ++l->in_progress;
  }
  delta::Signature sig;
  const bool basis_exists = exists || have_partial;
  if (basis_exists && !whole && (have_partial ? pst.st_size : st.st_size) > 0) {
    fs::Fd bf;
    if (have_partial) {
      const size_t slash = rel.rfind('/');
      const std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
      bf = fs::Fd(::openat(partial_dir.get(), base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    } else if (from_basis >= 0) {
      bf = open_in_basis_dir(static_cast<size_t>(from_basis), rel);
    } else if (auto fd = dest_.open_read(rel); fd.ok()) {
      bf = std::move(*fd);
    }
    Basis b;
    if (bf.valid() && b.map(bf.get())) {
      checksum::SumSizeParams sp;
      sp.protocol = c_.protocol();
      sp.block_size_opt = o.block_size;
      sp.redo_pass = redo;
      sp.xfer_sum_len = checksum::digest_len(c_.neg.xfer_sum);
      const checksum::SumHead head = checksum::sum_sizes_sqroot(static_cast<int64_t>(b.len), sp);
      if (append > 0) {
        sig.head = head;  // the length the receiver keeps; no block sums
      } else {
        checksum::BlockSummer summer(c_.neg.xfer_sum, c_.neg.seed, c_.neg.proper_seed_order);
        // Read with pread into reused buffers rather than through the
        // mapping (fs/read_at.h).
        const int bfd = bf.get();
        sig = delta::make_signature(
            b.len,
            [bfd](uint64_t off, size_t len, Bytes& scratch) {
              return fs::read_at(bfd, off, len, scratch);
            },
            head, summer);
      }
    }
  }
  delta::put_signature(w, sig, c_.protocol());
  return c_.out->write(w);
}

// -R --no-implied-dirs: an implied directory (sent flagged as both a top
// dir and a non-content dir) is not created or itemized; the parents of
// other entries are made as needed with default permissions, silently.
bool ReceivingSide::skipped_implied_dir(const FileEntry& e) const {
  return c_.opts.relative && !c_.opts.implied_dirs && flist::is_dir(e.mode) &&
         (e.xflags & wire::kXmitTopDir) && (e.xflags & wire::kXmitNoContentDir);
}

Status ReceivingSide::make_parents(const std::string& rel) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    const std::string dir = rel.substr(0, slash);
    struct stat st {};
    bool exists = false;
    CRSYNC_RETURN_IF_ERROR(dest_.lstat(dir, &st, &exists));
    if (exists) continue;
    fs::Fd parent;
    std::string base;
    CRSYNC_RETURN_IF_ERROR(dest_.open_parent(dir, &parent, &base));
    if (::mkdirat(parent.get(), base.c_str(), 0777) != 0 && errno != EEXIST)
      return Status::Error(ExitCode::kFileIo, "mkdir \"" + dir + "\" failed: " + errno_text(errno));
  }
  return Status::Ok();
}

bool ReceivingSide::daemon_excluded(const std::string& rel, bool is_dir) const {
  const auto& f = c_.opts.daemon_filter;
  if (!f || f->empty() || rel == ".") return false;
  std::string root = dest_arg_;
  if (single_file_) {
    const auto slash = root.rfind('/');
    root = slash == std::string::npos ? std::string() : root.substr(0, slash);
  }
  return f->excluded(root, rel, is_dir);
}

bool ReceivingSide::daemon_refuses(const FileEntry& e, bool in_parent_list) {
  if (!c_.opts.daemon_filter || c_.opts.daemon_filter->empty()) return false;
  const std::string rel = local_name(e);
  if (!refused_dir_.empty()) {
    if (rel.size() > refused_dir_.size() &&
        rel.compare(0, refused_dir_.size(), refused_dir_) == 0 && rel[refused_dir_.size()] == '/')
      return true;
    refused_dir_.clear();
  }
  const bool dir = flist::is_dir(e.mode);
  if (!daemon_excluded(rel, dir)) return false;
  // Seen in its parent's incremental list, a directory is still made early
  // (with -t), as upstream does; it is refused when its own list starts.
  if (dir && in_parent_list) return false;
  c_.output->xfer_error(std::string("ERROR: daemon refused to receive ") +
                        (dir ? "directory" : "file") + " \"" + rel + "\"\n");
  c_.output->note_xfer_error();
  if (dir) {
    c_.output->error("*** Skipping any contents from this failed directory ***\n");
    refused_dir_ = rel;
  }
  return true;
}

Status ReceivingSide::generate_entry(const FileEntry& e, int32_t ndx, bool redo, bool partial_dir) {
  if (!redo && daemon_refuses(e, partial_dir)) return Status::Ok();
  if (c_.opts.relative && !c_.opts.implied_dirs) {
    if (skipped_implied_dir(e)) return Status::Ok();
    if (!c_.opts.dry_run) {
      Status s = make_parents(local_name(e));
      if (!s.ok()) {
        c_.output->error("rsync: [generator] " + std::string(s.message()) + "\n");
        c_.output->note_xfer_error();
        return Status::Ok();
      }
    }
  }
  if (flist::is_dir(e.mode)) return generate_dir(e, ndx, partial_dir);
  if (flist::is_lnk(e.mode)) {
    if (!c_.opts.preserve_links) {
      if (c_.opts.info(Info::kNonreg) >= 1)
        c_.output->info("skipping non-regular file \"" + e.name + "\"\n");
      return Status::Ok();
    }
    return generate_symlink(e, ndx);
  }
  if (flist::is_device(e.mode) || flist::is_special(e.mode)) return generate_special(e, ndx);
  return generate_regular(e, ndx, redo);
}

bool ReceivingSide::is_content_dir(const FileEntry& e) const {
  if (!flist::is_dir(e.mode) || single_file_) return false;
  if (c_.protocol() >= 30) return !(e.xflags & wire::kXmitNoContentDir);
  return c_.opts.recursive;
}

}  // namespace crsync::session
