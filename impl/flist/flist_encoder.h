// Encodes file-list entries as a sender writes them (upstream flist.c
// send_file_entry / write_end_of_flist). Entries are compressed against the
// previous entry written in the session (name prefix, mode, times, ids,
// rdev major, dev), so one encoder lives for the whole session, across
// incremental sub-lists. The flag rules and field order are documented in
// docs/protocol/file-list.md.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "flist/file_entry.h"
#include "flist/flist_decoder.h"

namespace crsync::flist {

// How the sender classified an entry (upstream's FLAG_TOP_DIR,
// FLAG_CONTENT_DIR, FLAG_IMPLIED_DIR), and its hard-link identity.
struct EntryRole {
  bool top_dir = false;
  bool content_dir = false;
  bool implied_dir = false;
  // Hard links (-H): the device and inode of a non-directory with more than
  // one link; has_hlink false otherwise.
  bool has_hlink = false;
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool mod_nsec = false;  // the mtime has a non-zero nanosecond part
};

class FlistEncoder {
 public:
  explicit FlistEncoder(FlistOptions opts) : opts_(opts) {}

  // Writes one entry. `send_index` is the global index this entry has in
  // send order (ndx_start + entries already written in this list);
  // `ndx_start` is the current list's first index. `user_name`/`group_name`
  // are sent inline (incremental recursion) when non-null and the id is new.
  void put_entry(ByteWriter& w, const FileEntry& e, const EntryRole& role, int32_t send_index,
                 int32_t ndx_start);
  // The end-of-list marker; `io_error` travels only where the format allows.
  void put_end(ByteWriter& w, int32_t io_error, bool send_io_error);

  // Ids met so far with their names, newest first (for the id lists).
  const std::vector<std::pair<uint32_t, std::string>>& uids() const { return uids_; }
  const std::vector<std::pair<uint32_t, std::string>>& gids() const { return gids_; }

  // Name lookups (getpwuid/getgrgid by default); tests and daemons replace them.
  std::string (*user_name_of)(uint32_t) = nullptr;
  std::string (*group_name_of)(uint32_t) = nullptr;
  bool inline_names = false;  // incremental recursion: names inside entries
  bool numeric_ids = false;

 private:
  // Returns the id's name the first time it is seen, else "" (and records it).
  std::string add_id(std::vector<std::pair<uint32_t, std::string>>& list, uint32_t id, bool user);

  FlistOptions opts_;
  std::string last_name_;
  int64_t mtime_ = 0;
  int64_t atime_ = 0;
  int64_t crtime_ = 0;
  uint32_t mode_ = 0;
  uint32_t uid_ = 0;
  uint32_t gid_ = 0;
  uint32_t rdev_major_ = 0;
  uint64_t dev_ = 0;
  std::map<std::pair<uint64_t, uint64_t>, int32_t> hlinks_;  // (dev, ino) -> first send index
  std::vector<std::pair<uint32_t, std::string>> uids_, gids_;
};

// getpwuid / getgrgid names ("" when unknown).
std::string system_user_name(uint32_t uid);
std::string system_group_name(uint32_t gid);

}  // namespace crsync::flist
