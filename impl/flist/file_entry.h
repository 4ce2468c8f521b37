// One file-list entry as it travels on the wire (upstream flist.c
// send_file_entry/recv_file_entry), and the mode helpers around it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace crsync::flist {

// POSIX file-type bits as rsync puts them on the wire (Linux values; the
// wire uses 0120000 for symlinks on every platform: to_wire_mode).
inline constexpr uint32_t kModeTypeMask = 0170000;
inline constexpr uint32_t kModeDir = 0040000;
inline constexpr uint32_t kModeReg = 0100000;
inline constexpr uint32_t kModeLnk = 0120000;
inline constexpr uint32_t kModeChr = 0020000;
inline constexpr uint32_t kModeBlk = 0060000;
inline constexpr uint32_t kModeFifo = 0010000;
inline constexpr uint32_t kModeSock = 0140000;

inline bool is_dir(uint32_t m) {
  return (m & kModeTypeMask) == kModeDir;
}
inline bool is_reg(uint32_t m) {
  return (m & kModeTypeMask) == kModeReg;
}
inline bool is_lnk(uint32_t m) {
  return (m & kModeTypeMask) == kModeLnk;
}
inline bool is_device(uint32_t m) {
  return (m & kModeTypeMask) == kModeChr || (m & kModeTypeMask) == kModeBlk;
}
inline bool is_special(uint32_t m) {
  return (m & kModeTypeMask) == kModeFifo || (m & kModeTypeMask) == kModeSock;
}
// A type rsync knows how to carry (3.4.3 validates S_IFMT on receipt).
bool is_known_file_type(uint32_t mode);

struct FileEntry {
  std::string name;     // path relative to the transfer root ("." for the root)
  uint32_t xflags = 0;  // XMIT_* flags the entry arrived with
  int64_t size = 0;
  int64_t mtime = 0;
  uint32_t mtime_nsec = 0;
  int64_t atime = 0;
  int64_t crtime = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user_name;   // when XMIT_USER_NAME_FOLLOWS
  std::string group_name;  // when XMIT_GROUP_NAME_FOLLOWS
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  std::string link_target;
  // Hard links. From 30: hlink_first_ndx is the flist index of the group's
  // first entry (-1 when this entry is the first or not linked). Below 30:
  // dev/ino as sent.
  bool hlinked = false;
  int32_t hlink_first_ndx = -1;
  int64_t hlink_dev = 0;
  int64_t hlink_ino = 0;
  std::vector<uint8_t> checksum;  // -c sum, regular files only
  // The receiver dropped it as a duplicate name: it keeps its index but is
  // never generated (upstream clear_file).
  bool cleared = false;

  std::string_view basename() const;
  std::string_view dirname() const;  // "" at the top
};

// Refuses a name a sender must never send: ".." components, or an absolute
// name without --relative (upstream: "ABORTING due to unsafe pathname from
// sender", exit code 4). Also refuses empty components and NULs.
Status check_received_name(std::string_view name, bool relative_paths);

}  // namespace crsync::flist
