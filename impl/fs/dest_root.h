// Every file-system change on the receiving side goes through a DestRoot:
// paths from the peer are resolved *beneath* the destination directory
// (openat2 with RESOLVE_BENEATH, or a component walk that refuses symlinks
// where openat2 is missing), and the final component is acted on with the
// *at() calls and AT_SYMLINK_NOFOLLOW. So a peer's names, symlinks or races
// can never make crsync write outside the destination.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"

namespace crsync::fs {

// An open directory descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

class DestRoot {
 public:
  // Opens (and with `create`, makes) the destination directory.
  static Result<DestRoot> open(const std::string& path, bool create);

  const std::string& path() const { return path_; }
  int fd() const { return root_.get(); }

  // The parent directory of `rel` (beneath the root) and its last component.
  // `rel` must be relative and free of "..": callers pass names that passed
  // flist::check_received_name; this refuses them again.
  Status open_parent(std::string_view rel, Fd* parent, std::string* base) const;

  // open_parent for one thread that writes many names in a row (the
  // receiver): the parent stays open in `cache` while consecutive names share
  // it, saving an openat2 and a close per file. *parent is borrowed from the
  // cache. forget_lstat_dir (called whenever a directory is removed, replaced
  // or becomes a kept dirlink) makes every cache resolve afresh.
  struct ParentCache {
    bool valid = false;
    uint64_t generation = 0;
    std::string dir;
    Fd fd;
  };
  Status cached_parent(std::string_view rel, ParentCache* cache, int* parent,
                       std::string* base) const;

  // lstat of rel; ENOENT gives ok with *exists = false. The parent
  // directory resolved last is kept open and reused while consecutive
  // names share it (one fstatat per name, as upstream's lstat, instead of
  // open + fstatat + close). A stale entry can only misreport; changes go
  // through open_parent/open_rel, or cached_parent, which forget_lstat_dir
  // also resets.
  // With fake super, what the file's user.rsync.%stat stores
  // (fs/fake_super.h).
  Status lstat(std::string_view rel, struct stat* st, bool* exists) const;
  // --fake-super or a module's "fake super": lstat reports stored attributes.
  void set_fake_super(bool on) { fake_super_ = on; }

  // Drops lstat's kept directory: callers that remove or replace a
  // directory call it, so a later lstat never looks inside the old one.
  void forget_lstat_dir() const;

  // Opens an existing file beneath the root for reading (no symlink follow).
  Result<Fd> open_read(std::string_view rel) const;

  // Opens rel (beneath the root, through kept dirlinks) with `flags`.
  Result<Fd> open_rel(std::string_view rel, int flags) const;

  // -K (--keep-dirlinks): `rel`, a symlink in the destination that points
  // at a directory, is taken as that directory: `dir` is the directory it
  // resolved to. From now on, paths beneath rel resolve beneath `dir`, and
  // lstat(rel) gives the directory's stat; rel itself stays the symlink
  // for open_parent, so, as upstream, its time and owner go to the link
  // and its permissions (chmod follows) to the directory. These are the
  // only symlinks a DestRoot ever follows.
  void add_dirlink(std::string rel, Fd dir);
  bool is_dirlink(std::string_view rel) const;

 private:
  // The directory fd and the remainder of rel to resolve beneath it: the
  // longest kept dirlink that is a prefix of rel, else the root.
  int anchor(std::string_view rel, std::string_view* rest) const;

  std::string path_;
  Fd root_;
  bool fake_super_ = false;
  // Shared by the generator (which adds) and the receiver (which resolves).
  struct Dirlinks {
    mutable std::mutex mu;
    std::map<std::string, Fd, std::less<>> by_rel;
  };
  std::unique_ptr<Dirlinks> dirlinks_ = std::make_unique<Dirlinks>();
  // lstat's kept parent directory (shared by the generator and receiver).
  struct LstatDir {
    std::mutex mu;
    bool valid = false;
    std::atomic<uint64_t> generation{0};  // bumped by forget_lstat_dir
    std::string rel;                      // the directory, relative to the root
    Fd fd;                                // O_PATH, resolved beneath the root
  };
  std::unique_ptr<LstatDir> lstat_dir_ = std::make_unique<LstatDir>();
};

// Resolves `rel` beneath `dirfd` without following any symlink on the way
// (the final component included when `nofollow_last`), returning an O_PATH
// or opened descriptor with `flags`.
Result<Fd> open_beneath(int dirfd, std::string_view rel, int flags, mode_t mode = 0);

}  // namespace crsync::fs
