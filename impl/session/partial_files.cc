// The receiving side's partial directory (--partial-dir, and the ".~tmp~"
// of --delay-updates): where unfinished or delayed files are kept and found
// again (upstream util1.c partial_dir_fname / handle_partial_dir), and the
// MSG_SUCCESS reports of --remove-source-files (upstream io.c
// send_msg_success).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "session/partial_dir.h"
#include "session/receiving.h"
#include "session/receiving_internal.h"
#include "session/source_removal.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using receiving_internal::open_dir_nofollow;

fs::Fd ReceivingSide::partial_dir_at(int parent_fd, bool create) {
  const std::string pdir = c_.opts.partial_dir_used();
  if (pdir.empty()) return fs::Fd();
  // Replaces whatever is at `name` in `dir` by a new directory.
  const auto make = [](int dir, const char* name) {
    struct stat st {};
    if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
        ::unlinkat(dir, name, 0) != 0)
      return false;
    return ::mkdirat(dir, name, 0700) == 0 || errno == EEXIST;
  };
  if (pdir[0] == '/') {
    // An absolute partial dir is the user's own choice of place.
    fs::Fd fd(::open(pdir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.valid() || !create || !make(AT_FDCWD, pdir.c_str())) return fd;
    return fs::Fd(::open(pdir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  const std::vector<std::string> comps = partial_dir_components(pdir);
  if (comps.empty()) return fs::Fd();
  fs::Fd cur(::dup(parent_fd));
  for (size_t i = 0; i < comps.size() && cur.valid(); ++i) {
    fs::Fd next = open_dir_nofollow(cur.get(), comps[i]);
    if (!next.valid() && create && i + 1 == comps.size() && make(cur.get(), comps[i].c_str()))
      next = open_dir_nofollow(cur.get(), comps[i]);
    cur = std::move(next);
  }
  return cur;
}

void ReceivingSide::remove_partial_dir(int parent_fd) {
  const std::string pdir = c_.opts.partial_dir_used();
  const std::vector<std::string> comps = partial_dir_components(pdir);
  if (comps.empty()) return;  // none, or absolute: left alone
  fs::Fd cur(::dup(parent_fd));
  for (size_t i = 0; i + 1 < comps.size() && cur.valid(); ++i)
    cur = open_dir_nofollow(cur.get(), comps[i]);
  if (cur.valid()) ::unlinkat(cur.get(), comps.back().c_str(), AT_REMOVEDIR);
}

bool ReceivingSide::find_partial_file(const std::string& rel, fs::Fd* dir, struct stat* st) {
  if (c_.opts.partial_dir_used().empty()) return false;
  fs::Fd parent;
  std::string base;
  if (!dest_.open_parent(rel, &parent, &base).ok()) return false;
  fs::Fd pdir = partial_dir_at(parent.get(), false);
  if (!pdir.valid() || ::fstatat(pdir.get(), base.c_str(), st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st->st_mode))
    return false;
  *dir = std::move(pdir);
  return true;
}

std::string ReceivingSide::partial_name(const std::string& rel) const {
  return partial_file_name(c_.opts.partial_dir_used(), rel);
}

Status ReceivingSide::send_success(int32_t ndx) {
  if (!c_.opts.remove_source_files || c_.opts.dry_run) return Status::Ok();
  DestIdentity dest;
  if (c_.local) {
    // The sender must not remove the file just written (a copy onto
    // itself). As upstream, a symlink is followed here (so a symlink copied
    // onto itself is not recognised).
    const flist::FileEntry* e = entry_at(ndx);
    fs::Fd parent;
    std::string base;
    struct stat st {};
    if (e && dest_.open_parent(local_name(*e), &parent, &base).ok() &&
        ::fstatat(parent.get(), base.c_str(), &st, 0) == 0) {
      dest.dev = static_cast<int64_t>(st.st_dev);
      dest.ino = static_cast<int64_t>(st.st_ino);
    }
    dest.known = true;
  }
  const Bytes payload = success_payload(ndx, dest);
  return c_.out->send_msg(wire::MsgCode::kSuccess, ByteSpan(payload));
}

}  // namespace crsync::session
