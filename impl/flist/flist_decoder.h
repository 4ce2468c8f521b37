// Decodes file-list entries as the receiving side reads them (upstream
// flist.c recv_file_list/recv_file_entry). Entries are compressed against
// the previous entry *received in the session* (name prefix, mode, times,
// ids), so one decoder lives for the whole session, across incremental
// sub-lists. No I/O: on need-more the decoder's state is restored and the
// reader rewound, so the caller retries with more bytes.
#pragma once

#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/status.h"
#include "flist/file_entry.h"

namespace crsync::flist {

struct FlistOptions {
  int protocol = 32;
  bool varint_flags = false;         // CF_VARINT_FLIST_FLAGS: flags and end marker as varints
  bool safe_flist = false;           // use_safe_inc_flist: end marker may carry io_error
  bool preserve_uid = false;         // -o
  bool preserve_gid = false;         // -g
  bool preserve_links = false;       // -l
  bool preserve_devices = false;     // -D / --devices
  bool preserve_specials = false;    // -D / --specials
  bool preserve_hard_links = false;  // -H
  bool preserve_atimes = false;      // -U
  bool preserve_crtimes = false;     // -N
  bool preserve_acls = false;        // -A (not yet supported: refused)
  bool preserve_xattrs = false;      // -X (not yet supported: refused)
  bool relative_paths = false;       // -R
  int flist_csum_len = 0;            // -c: bytes of file sum per regular file, else 0
};

class FlistDecoder {
 public:
  explicit FlistDecoder(FlistOptions opts) : opts_(opts) {}

  struct Item {
    bool end = false;      // the list's end marker
    int32_t io_error = 0;  // sent with the end marker (varint or safe flists)
    FileEntry entry;       // valid when !end
  };

  // Reads the next entry or end marker. `list` holds the entries of the
  // current (sub-)list received so far and `ndx_start` its first index: a
  // protocol >= 30 hard link may refer back into it.
  Status next(ByteReader& r, std::span<const FileEntry> list, int32_t ndx_start, Item* out);

 private:
  struct State {
    std::string last_name;
    int64_t mtime = 0;
    int64_t atime = 0;
    int64_t crtime = 0;
    uint32_t mode = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t rdev_major = 0;
    int64_t dev = 0;
  };
  Status read_flags(ByteReader& r, uint32_t* flags, Item* out);
  Status read_entry(ByteReader& r, uint32_t flags, std::span<const FileEntry> list,
                    int32_t ndx_start, FileEntry* e);

  FlistOptions opts_;
  State st_;
};

}  // namespace crsync::flist
