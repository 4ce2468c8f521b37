// --list-only (upstream generator.c list_file_entry): instead of updating
// the destination, the receiving side prints each entry of the file list
// as an ls-like line:
//
//   "drwxr-xr-x          4,096 2023/11/15 02:20:23 name"
//
// permissions, the size right-aligned in 14 columns (11 with
// --no-human-readable), the mtime (plus the atime with -U: blank for a
// directory), the name, and " -> target" for a symlink when links are
// kept. Under incremental recursion a directory is listed at the head of
// its own sub-list, not in its parent's.
#pragma once

#include <string>

#include "flist/file_entry.h"

namespace crsync::session {

struct ListOptions {
  int human = 1;                // -h level
  bool preserve_links = false;  // -l: show symlink targets
  bool atimes = false;          // -U: an atime column
};

// One line, ending in '\n'.
std::string list_line(const flist::FileEntry& e, const ListOptions& o);

}  // namespace crsync::session
