// The uid and gid name lists a sender appends to a file list when names do
// not travel inside the entries (upstream uidlist.c send_id_lists /
// recv_id_list): without incremental recursion, unless --numeric-ids. Each
// list is (varint30 id, byte length, name)* ended by id 0; with
// CF_ID0_NAMES the terminating 0 is followed by the name of id 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::flist {

struct IdName {
  uint32_t id = 0;
  std::string name;
};

struct IdLists {
  std::vector<IdName> users;
  std::vector<IdName> groups;
};

struct IdListOptions {
  int protocol = 32;
  bool users = false;      // preserve_uid (or ACLs)
  bool groups = false;     // preserve_gid (or ACLs)
  bool id0_names = false;  // CF_ID0_NAMES
};

// On need-more the reader is rewound to where the call started.
Status read_id_lists(ByteReader& r, const IdListOptions& o, IdLists* out);
void write_id_lists(ByteWriter& w, const IdListOptions& o, const IdLists& lists);

}  // namespace crsync::flist
