// Builds the sender's file list from the command-line sources, in the order
// upstream sends it (flist.c send_file_list / send_directory): each
// argument classified ("dir/" sends the directory's contents as ".", "dir"
// sends the directory itself), directory contents in readdir order, and
// with -r each subdirectory's full subtree after its parent's entries.
// This is the non-incremental walk; incremental recursion walks one level
// per sub-list with the same per-directory step.
//
// With -R (relative) a name keeps the path it was given ("src/a/b" is sent
// as "src/a/b"; in "src/./a/b" the "/./" marks where the sent path starts)
// and the directories leading to it are sent first as implied directories.
// --files-from supplies the names from a list instead, relative to the one
// source argument.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "filter/daemon_filter.h"
#include "filter/dir_filters.h"
#include "filter/filter_rules.h"
#include "flist/chmod.h"
#include "flist/file_entry.h"
#include "flist/flist_encoder.h"

namespace crsync::flist {

struct SendEntry {
  FileEntry entry;
  EntryRole role;
  std::string local_path;  // where the sender reads it
  std::string base_dir;    // the argument's directory: local_path = base_dir/name
};

// Per-directory merge files on the sending side: one filter::DirFilters
// per transfer root (the directory names are relative to), read from the
// source tree and kept for the whole walk, sub-list scans included.
class SenderDirFilters {
 public:
  explicit SenderDirFilters(const std::vector<filter::FilterRule>* rules) : rules_(rules) {}
  filter::DirFilters& at(const std::string& base_dir);

 private:
  const std::vector<filter::FilterRule>* rules_;
  std::map<std::string, std::unique_ptr<filter::DirFilters>> roots_;
};

struct WalkOptions {
  bool recursive = false;       // -r
  bool dirs = false;            // -d (also implied by --files-from)
  bool relative = false;        // -R
  bool implied_dirs = true;     // -R: send the directories leading to each name
  bool copy_links = false;      // -L
  bool copy_dirlinks = false;   // -k
  bool preserve_links = false;  // -l
  bool preserve_devices = false;
  bool preserve_specials = false;
  bool preserve_hard_links = false;
  bool one_file_system = false;  // -x
  bool munge_symlinks = false;   // a daemon module's "munge symlinks": strip the prefix
  // --fake-super / a module's "fake super": what user.rsync.%stat stores is
  // sent, and a faked symlink's target is its file's content.
  bool fake_super = false;
  // After a quoted name in an error, e.g. " (in MODULE)" on a daemon.
  std::string name_suffix;
  // Incremental recursion: an argument directory is sent alone (its
  // contents come in its own sub-list) and a "dir/" argument is scanned one
  // level only; scan_directory() produces each sub-list.
  bool incremental = false;
  int protocol = 32;
  const std::vector<filter::FilterRule>* rules = nullptr;  // exclusions, if any
  // A daemon module's own list: its exclusions hide names whatever the
  // client asks, and an excluded argument is reported as missing.
  const filter::DaemonFilter* daemon_filter = nullptr;
  bool ignore_nonreadable = false;  // a module's "ignore nonreadable": unreadable names are skipped
  const ChmodRules* chmod = nullptr;  // --chmod, applied to what is sent
  // Set when `rules` holds per-directory merge rules.
  std::shared_ptr<SenderDirFilters> dir_filters;
};

struct WalkResult {
  std::vector<SendEntry> entries;   // send order
  int32_t io_error = 0;             // IOERR_* bits
  std::vector<std::string> errors;  // messages for the user ("rsync: [sender] ...")
  // A missing argument: the transfer fails (exit 23) but, as upstream, no
  // io_error bit is sent, so the receiver's deletions are not inhibited.
  bool xfer_error = false;
  // A fatal problem found on the way (a corrupt user.rsync.%stat: upstream
  // stops with RERR_FILEIO).
  Status fatal = Status::Ok();
  std::vector<std::string> infos;  // e.g. "skipping directory x"
};

// A fatal problem (a ".." in a relative name) comes back as an error
// Status; per-name problems go to out->errors and out->io_error.
Status walk_sources(const std::vector<std::string>& args, const WalkOptions& o, WalkResult* out);

// --files-from: walks `names` (as read from the list, not yet sanitised)
// relative to `origin`, the source argument (empty: the current directory).
// An origin that is not a usable directory is fatal (exit code 3).
Status walk_files_from(const std::string& origin, const std::vector<std::string>& names,
                       const WalkOptions& o, WalkResult* out);

// Incremental recursion: one level of the directory `dir` (an entry sent
// earlier), in readdir order, without recursing (upstream send1extra).
void scan_directory(const SendEntry& dir, const WalkOptions& o, WalkResult* out);

// Fills a FileEntry (and the hard-link identity) from lstat/stat data.
// With `at_name`, the status is taken as at_name relative to `dirfd` (the
// directory being read, so the kernel looks up one component, not the
// whole path); local_path is still what messages and later opens use.
Status stat_entry(const std::string& local_path, const std::string& name, bool follow,
                  const WalkOptions& o, SendEntry* out, int* err, int dirfd = -1,
                  const char* at_name = nullptr);

// ---- name cleaning, as upstream's util1.c does it ----

// clean_fname: collapses "//", drops interior "./" components and a
// trailing "/" (unless `keep_trailing_slash`); with `drop_trailing_dot_dir`
// a final "." component goes too ("a/." -> "a/"). "" becomes ".".
std::string clean_name(std::string_view name, bool keep_trailing_slash, bool drop_trailing_dot_dir);

// sanitize_path for a --files-from name: leading and repeated slashes go,
// ".." components are removed together with the component before them, and
// "." components are dropped unless `keep_dot_dirs` (-R keeps them so that
// "dir/./name" still marks the relative part). "" becomes ".".
std::string sanitize_list_name(std::string_view name, bool keep_dot_dirs);

// ---- --files-from list data ----

// A list read from a local file (or stdin): names end at LF or CR (at NUL
// with -0); empty lines and lines starting with '#' or ';' are skipped.
std::vector<std::string> split_files_from(std::string_view text, bool from0);

// What a client sends when the sender is the remote side: the file's bytes
// with LF/CR turned into NUL (unless -0), runs of NULs collapsed, leading
// NULs dropped, and ended by an empty name. Comment lines are not removed
// (the reader on the far side does not skip them).
std::string files_from_wire_form(std::string_view text, bool from0);

// Incrementally parses the wire form: feed bytes, collect names; done()
// once the empty name ending the list arrived.
class FilesFromReader {
 public:
  // Consumes bytes up to and including the terminating empty name; returns
  // how many bytes were used.
  size_t feed(std::string_view bytes);
  bool done() const { return done_; }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::string cur_;
  size_t cur_len_ = 0;  // bytes of the current name seen (it keeps MAXPATHLEN-1)
  std::vector<std::string> names_;
  bool done_ = false;
};

}  // namespace crsync::flist
