// The receiving side's generator: what each entry needs, requests to the
// sender, deletions, and the phase ends (upstream generator.c, delete.c).
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
#include "session/receiving.h"
#include "session/receiving_internal.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

// Deletions on the receiving side (upstream generator.c delete_in_dir and
// delete_item): what is extraneous in a destination directory, what the
// filter rules protect, --max-delete, and the deletion statistics.

namespace crsync::session {

using flist::FileEntry;
using receiving_internal::errno_text;

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
  if (!c_.opts.transfer_log_format.empty()) {
    FileEntry d;
    d.mode = mode;
    log_transfer(c_, 0, d, {}, &rel);
  }
  if (c_.am_server && c_.protocol() >= 29) {
    std::string payload = rel;
    if (flist::is_dir(mode)) payload.push_back('\0');
    (void)c_.out->send_msg(wire::MsgCode::kDeleted, as_bytes(payload), true);
    return;
  }
  // Below 29 a server formats the line itself, with the client's format
  // hint ("%i" gives the itemize field and no name).
  if (const std::string line = delete_text(c_, rel, mode); !line.empty()) c_.output->info(line);
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
  // With -b a deleted file goes to its backup; a directory is removed
  // (upstream delete_item), which fails while backups made inside it with
  // a suffix are there.
  const char* what = is_dir ? "rmdir" : "unlink";
  if (is_dir) dest_.forget_lstat_dir();
  const bool removed = c_.opts.dry_run ? true
                       : is_dir
                           ? ::unlinkat(parent_fd, base.c_str(), AT_REMOVEDIR) == 0
                           : remove_file(parent_fd, base, rel, c_.opts.making_backups(), &what);
  if (!removed) {
    if (is_dir && (errno == ENOTEMPTY || errno == EEXIST)) {
      c_.output->info("cannot delete non-empty directory: " + rel + "\n");
      return Status::Ok();
    }
    c_.output->error("rsync: [generator] delete_file: " + std::string(what) + "(" + rel +
                     ") failed: " + errno_text(errno) + "\n");
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

// Excluded names are protected from deletion (not with --delete-excluded).
// Per-directory merge files are read from the destination, as upstream's
// generator reads them in each directory it deletes in.
bool ReceivingSide::protected_from_delete(const std::string& rel, bool is_dir) {
  if (daemon_excluded(rel, is_dir)) return true;  // the module's list, whatever the client asks
  if (c_.rules.empty() || c_.opts.delete_excluded) return false;
  if (!filter::has_dir_merge(c_.rules))
    return filter::is_excluded(c_.rules, rel, is_dir, filter::Side::kReceiver);
  if (!dir_filters_) {
    const fs::DestRoot* droot = &dest_;
    auto reader = [droot](const std::string& dir,
                          const std::string& name) -> std::optional<std::string> {
      int fd = -1;
      if (!dir.empty() && dir[0] == '/') {
        fd = ::open(((dir == "/" ? "" : dir) + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
      } else {
        auto f = droot->open_read(dir.empty() ? name : dir + "/" + name);
        if (f.ok()) fd = f->release();
      }
      if (fd < 0) return std::nullopt;
      fs::Fd owned(fd);
      std::string content;
      char buf[8192];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) content.append(buf, static_cast<size_t>(n));
      return content;
    };
    char abs[PATH_MAX];
    const std::string dest = dest_arg_.empty() ? "." : dest_arg_;
    dir_filters_ = std::make_unique<filter::DirFilters>(&c_.rules, std::move(reader),
                                                        ::realpath(dest.c_str(), abs) ? abs : "");
    dir_filters_->set_root_read(names_.count(".") > 0);
  }
  const bool x = dir_filters_->excluded(rel, is_dir, filter::Side::kReceiver);
  for (const auto& e : dir_filters_->take_errors()) {
    c_.output->error("rsync: [generator] " + e + "\n");
    c_.output->note_xfer_error();
  }
  return x;
}

Status ReceivingSide::delete_extraneous(const std::string& dir_rel) {
  // A directory the module refused is not looked into.
  if (c_.opts.daemon_filter && dir_rel != "." &&
      (daemon_excluded(dir_rel, true) ||
       c_.opts.daemon_filter->path_excluded(dest_arg_ + "/" + dir_rel, true)))
    return Status::Ok();
  if (c_.opts.keep_dirlinks && dir_rel != "." && !dest_.is_dirlink(dir_rel)) {
    // -K: a deletion pass before the directory's own turn (--delete-before)
    // deletes through the symlink too, as upstream's link_stat does.
    struct stat st {};
    bool exists = false;
    if (dest_.lstat(dir_rel, &st, &exists).ok() && exists && S_ISLNK(st.st_mode))
      (void)keep_dirlink(dir_rel, &st);
  }
  auto dir = dest_.open_rel(dir_rel == "." ? "" : dir_rel, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) return Status::Ok();  // nothing there (yet)
  std::vector<FileEntry> present;
  if (!list_for_delete(dir->get(), &present, c_.protocol()).ok()) return Status::Ok();
  for (const auto& e : present) {
    const std::string rel = dir_rel == "." ? e.name : dir_rel + "/" + e.name;
    if (protected_from_delete(rel, flist::is_dir(e.mode)))
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
  size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = dirs_.size();
  }
  // Every directory in list order (lists may have been freed; dirs_ stays).
  for (size_t di = 0; di < n; ++di) {
    const flist::FileEntry* e = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      e = &dirs_[di];
    }
    if (!e->cleared && is_content_dir(*e))
      CRSYNC_RETURN_IF_ERROR(delete_extraneous(local_name(*e)));
  }
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

}  // namespace crsync::session
