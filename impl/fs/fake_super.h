// --fake-super and a daemon module's "fake super" (upstream xattrs.c
// get_stat_xattr / set_stat_xattr, syscall.c's do_mknod / do_symlink /
// do_readlink under am_root < 0): the attributes only root could give a
// file (its owner and group, setuid/setgid/sticky bits, a device's numbers,
// its very type) are kept in the "user.rsync.%stat" extended attribute,
// while the file itself is a plain file or directory the copying user owns
// and can read and write. Devices, fifos, sockets and (Linux has no user
// xattrs on symlinks) symlinks are stored as regular files; a symlink's
// file holds its target.
//
// The value is text: "<octal mode> <major>,<minor> <uid>:<gid>", e.g.
// "104755 0,0 1234:5678". It is written only when the file on disk does not
// already tell the truth, and removed when it comes to.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace crsync::fs {

// XSTAT_ATTR on Linux (RSYNC_PREFIX "user.rsync." and "%" XSTAT_SUFFIX).
inline constexpr const char* kFakeStatXattr = "user.rsync.%stat";

// The attributes a fake-super copy stands for.
struct FakeStat {
  uint32_t mode = 0;  // type and permission bits (07777)
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool operator==(const FakeStat&) const = default;
};

// The xattr's text for `s`.
std::string format_fake_stat(const FakeStat& s);

// Reads the xattr's text as upstream's sscanf("%o %d,%d %d:%d") does:
// leading blanks before each number, an optional sign, trailing text
// ignored. Nothing when fewer than the five numbers are there (upstream
// then stops the transfer with RERR_FILEIO: "Corrupt ... xattr").
std::optional<FakeStat> parse_fake_stat(std::string_view text);

// ---- I/O (the receiving side names files as dirfd + name, the sender by
// path). A file whose type is a device or special on disk carries no
// stored stat (upstream skips them). ----

// Replaces in *st (the file's own lstat) what its xattr stores (upstream
// x_lstat). An unreadable xattr leaves *st as it is; a corrupt one is an
// error with exit code 11, as upstream (`shown` names the file in it).
Status overlay_fake_stat(int dirfd, const char* name, struct stat* st, const std::string& shown);
Status overlay_fake_stat_path(const std::string& path, struct stat* st);

// Records `mode` (type and permissions), `rdev`, `uid`, `gid` for the file
// dirfd/name (or the open `fd`, when >= 0) as upstream's set_stat_xattr
// does: the file's own permissions become mode's 0777 bits plus owner
// read/write (and search for a directory), and the xattr is written only
// when it differs, or removed when the file itself now says it all.
// `shown` names the file in messages. Errors are reported as text in
// *error (a transfer error, exit 23); the return tells whether it worked.
bool store_fake_stat(int dirfd, const std::string& name, int fd, mode_t mode, dev_t rdev, uid_t uid,
                     gid_t gid, const std::string& shown, std::string* error);

// A device, special or symlink as a fake-super copy makes it: a regular
// file (0600) holding `content` (a symlink's target; empty otherwise).
// Returns 0 or -1 with errno (upstream do_mknod / do_symlink).
int make_fake_file(int dirfd, const std::string& name, std::string_view content);

// A fake-super symlink's target: the file's content (upstream do_readlink).
// A real symlink reads as an empty target on the receiving side (so it is
// replaced) and as its own target on the sending side. -1 with errno.
ssize_t read_fake_link(int dirfd, const char* name, char* buf, size_t size, bool sender);
ssize_t read_fake_link_path(const std::string& path, char* buf, size_t size, bool sender);

}  // namespace crsync::fs
