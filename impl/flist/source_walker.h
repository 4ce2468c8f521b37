// Builds the sender's file list from the command-line sources, in the order
// upstream sends it (flist.c send_file_list / send_directory): each
// argument classified ("dir/" sends the directory's contents as ".", "dir"
// sends the directory itself), directory contents in readdir order, and
// with -r each subdirectory's full subtree after its parent's entries.
// This is the non-incremental walk; incremental recursion walks one level
// per sub-list with the same per-directory step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "filter/filter_rules.h"
#include "flist/file_entry.h"
#include "flist/flist_encoder.h"

namespace crsync::flist {

struct SendEntry {
  FileEntry entry;
  EntryRole role;
  std::string local_path;  // where the sender reads it
  std::string base_dir;    // the argument's directory: local_path = base_dir/name
};

struct WalkOptions {
  bool recursive = false;       // -r
  bool dirs = false;            // -d
  bool relative = false;        // -R
  bool copy_links = false;      // -L
  bool copy_dirlinks = false;   // -k
  bool preserve_links = false;  // -l
  bool preserve_devices = false;
  bool preserve_specials = false;
  bool preserve_hard_links = false;
  bool one_file_system = false;  // -x
  // Incremental recursion: an argument directory is sent alone (its
  // contents come in its own sub-list) and a "dir/" argument is scanned one
  // level only; scan_directory() produces each sub-list.
  bool incremental = false;
  int protocol = 32;
  const std::vector<filter::FilterRule>* rules = nullptr;  // exclusions, if any
};

struct WalkResult {
  std::vector<SendEntry> entries;   // send order
  int32_t io_error = 0;             // IOERR_* bits
  std::vector<std::string> errors;  // messages for the user ("rsync: [sender] ...")
  std::vector<std::string> infos;   // e.g. "skipping directory x"
};

Status walk_sources(const std::vector<std::string>& args, const WalkOptions& o, WalkResult* out);

// Incremental recursion: one level of the directory `dir` (an entry sent
// earlier), in readdir order, without recursing (upstream send1extra).
void scan_directory(const SendEntry& dir, const WalkOptions& o, WalkResult* out);

// Fills a FileEntry (and the hard-link identity) from lstat/stat data.
Status stat_entry(const std::string& local_path, const std::string& name, bool follow,
                  const WalkOptions& o, SendEntry* out, int* err);

}  // namespace crsync::flist
