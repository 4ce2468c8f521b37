// Everything a transfer is asked to do: the parsed command line (client) or
// server argument vector (server). Plain data; parsing lives in cli/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/daemon_filter.h"
#include "flist/chmod.h"
#include "session/output_levels.h"
#include "wire/negotiate.h"

namespace crsync::session {

class LocalBridge;  // session/local_bridge.h

enum class DeleteMode { kNone, kBefore, kDuring, kDelay, kAfter };

// The kind of the alternate basis directories (upstream alt_dest_type).
enum class AltDest { kNone, kCompare, kCopy, kLink };
// The option's name, as upstream's messages give it ("--link-dest").
inline const char* alt_dest_option(AltDest a) {
  switch (a) {
    case AltDest::kCompare: return "--compare-dest";
    case AltDest::kCopy: return "--copy-dest";
    case AltDest::kLink: return "--link-dest";
    case AltDest::kNone: break;
  }
  return "";
}

struct Options {
  // ---- output ----
  int verbose = 0;         // -v (count)
  bool quiet = false;      // -q
  int itemize = 0;         // -i (count)
  std::string out_format;  // --out-format, or --log-format (a server: the client's hint)
  bool stats = false;      // --stats
  int progress = 0;        // --progress / -P (--info=progress2 is in `levels`)
  int human_readable = 1;  // -h (count; 3.4 default 1)
  int list_only = 0;       // 2: --list-only; 1: implied (a single argument)
  // --info / --debug levels, with what -v, --stats and --progress imply,
  // and the item-line format these come to (cli fills both in).
  OutputLevels levels;
  ItemFormat item_format;
  int info(Info w) const { return levels.get(w); }

  // ---- what to send ----
  bool recursive = false;                 // -r
  bool dirs = false;                      // -d
  bool relative = false;                  // -R
  bool implied_dirs = true;               // --no-implied-dirs
  bool one_file_system = false;           // -x
  std::string files_from;                 // --files-from
  bool from0 = false;                     // -0
  std::vector<std::string> filter_rules;  // -f/--exclude/--include in order, as rule text

  // ---- what to preserve ----
  bool preserve_links = false;          // -l
  bool copy_links = false;              // -L
  bool copy_dirlinks = false;           // -k
  bool keep_dirlinks = false;           // -K
  bool preserve_hard_links = false;     // -H
  bool preserve_perms = false;          // -p
  bool preserve_executability = false;  // -E
  bool preserve_uid = false;            // -o
  bool preserve_gid = false;            // -g
  bool preserve_devices = false;        // --devices
  bool preserve_specials = false;       // --specials
  bool preserve_mtimes = false;         // -t
  bool preserve_atimes = false;         // -U
  bool omit_dir_times = false;          // -O
  bool omit_link_times = false;         // -J
  bool numeric_ids = false;             // --numeric-ids
  // --fake-super (never sent to a server) or a daemon module's "fake
  // super": owners, special bits, devices, specials and symlinks live in
  // the user.rsync.%stat xattr (fs/fake_super.h), on both sides.
  bool fake_super = false;

  // ---- how to transfer ----
  bool dry_run = false;          // -n
  int whole_file = -1;           // -W / --no-whole-file; -1 = default (local: on)
  bool sparse = false;           // -S
  int32_t block_size = 0;        // -B
  bool always_checksum = false;  // -c
  bool update_only = false;      // -u
  bool ignore_times = false;     // -I
  bool size_only = false;        // --size-only
  int modify_window = 0;         // --modify-window
  bool inplace = false;          // --inplace
  int append = 0;                // --append (1), --append-verify (2); implies inplace
  bool partial = false;          // --partial (also implied by a partial dir)
  std::string partial_dir;       // --partial-dir or RSYNC_PARTIAL_DIR, cleaned
  std::string temp_dir;          // --temp-dir (-T)
  bool delay_updates = false;    // --delay-updates
  // --compare-dest, --copy-dest, --link-dest (one kind per run, up to
  // kMaxBasisDirs directories, tried in order; upstream basis_dir[]).
  AltDest alt_dest = AltDest::kNone;
  std::vector<std::string> basis_dirs;         // as given
  static constexpr size_t kMaxBasisDirs = 20;  // upstream MAX_BASIS_DIRS
  bool backup = false;                         // -b
  std::optional<std::string> backup_dir;       // --backup-dir (as given)
  std::optional<std::string> suffix;           // --suffix (as given)
  DeleteMode delete_mode = DeleteMode::kNone;  // --delete-before/-during/-delay/-after
  bool delete_requested = false;               // plain --delete: timing chosen by protocol
  // The timing in force: plain --delete is "before" below 30, else "during".
  DeleteMode effective_delete(int proto) const {
    if (list_only) return DeleteMode::kNone;  // a listing deletes nothing
    if (delete_mode != DeleteMode::kNone) return delete_mode;
    if (delete_requested || delete_excluded)
      return proto < 30 ? DeleteMode::kBefore : DeleteMode::kDuring;
    return DeleteMode::kNone;
  }
  bool deleting() const {
    return delete_requested || delete_excluded || delete_mode != DeleteMode::kNone;
  }
  // ---- backups, temporary files, delayed updates (upstream options.c) ----
  // -b, or implied by --backup-dir.
  bool making_backups() const { return backup || backup_dir.has_value(); }
  // The backup directory in use: leading "./" removed; "." (or nothing)
  // means none, i.e. backups go next to the files with the suffix.
  std::string backup_dir_used() const {
    if (!backup_dir) return {};
    std::string_view d = *backup_dir;
    while (d.size() >= 2 && d[0] == '.' && d[1] == '/') d.remove_prefix(2);
    if (d == ".") return {};
    return std::string(d);
  }
  // The suffix in force: as given, else "" with a --backup-dir and "~"
  // without one.
  std::string backup_suffix() const { return suffix ? *suffix : (backup_dir ? "" : "~"); }
  // Backups made next to the files change their directories, so upstream
  // leaves directory times alone then (an implied -O that is not sent).
  bool omits_dir_times() const {
    return omit_dir_times || (making_backups() && backup_dir_used().empty());
  }
  // --delay-updates puts each received file into this directory (beneath
  // the file's own) until the end of the transfer.
  static constexpr const char* kDelayDir = ".~tmp~";
  // The checks upstream makes after parsing these options; empty if none
  // fails.
  std::string receiving_option_error() const {
    const std::string s = backup_suffix();
    if (s.find('/') != std::string::npos) return "--suffix cannot contain slashes: " + s;
    if (backup_dir_used().empty() && s.empty() && (!am_server || !am_sender))
      return backup_dir ? "--suffix cannot be empty when --backup-dir is the same as the dest dir"
                        : "--suffix cannot be empty without a --backup-dir";
    return {};
  }
  // The partial directory in use: --partial-dir (or RSYNC_PARTIAL_DIR), or
  // --delay-updates' own; empty when none (upstream's partial_dir).
  std::string partial_dir_used() const {
    if (!partial_dir.empty()) return partial_dir;
    return delay_updates ? kDelayDir : std::string();
  }
  // upstream's append_mode once the protocol is known: below 30 --append
  // checks the existing data too, as --append-verify does (compat.c).
  int append_mode(int proto) const { return append == 1 && proto < 30 ? 2 : append; }
  bool delete_excluded = false;  // --delete-excluded
  int bwlimit = 0;               // --bwlimit, KiB/s (0: none)
  flist::ChmodRules chmod;       // --chmod (the client's; never sent)
  int max_delete = -1;           // --max-delete
  int64_t max_size = -1;         // --max-size: larger regular files are skipped
  int64_t min_size = -1;         // --min-size: smaller regular files are skipped
  bool existing_only = false;    // --existing
  bool ignore_existing = false;  // --ignore-existing
  int remove_source_files = 0;   // --remove-source-files (1), --remove-sent-files (2)
  bool mkpath = false;           // --mkpath

  // ---- compression and checksums ----
  bool compress = false;                // -z
  std::string compress_choice;          // --compress-choice
  int compress_level = kLevelNotGiven;  // --compress-level
  static constexpr int kLevelNotGiven = -2147483647 - 1;
  std::string skip_compress;    // --skip-compress
  std::string checksum_choice;  // --checksum-choice
  int32_t checksum_seed = 0;    // --checksum-seed

  // ---- connection ----
  int protocol = 0;            // --protocol (0 = ours)
  int timeout = 0;             // --timeout
  std::string rsh;             // -e/--rsh
  std::string rsync_path;      // --rsync-path
  bool secluded_args = false;  // -s
  bool inc_recursive = true;   // --no-inc-recursive clears
  // Whether this side may use incremental recursion, as upstream's
  // set_allow_inc_recurse decides it; `receiving` when this side receives.
  // crsync also keeps -R non-incremental (the sub-list relative-name
  // cache is not implemented).
  bool allows_inc_recurse(bool receiving) const {
    if (!inc_recursive || !recursive || relative) return false;
    if (receiving &&
        (delete_mode == DeleteMode::kBefore || delete_mode == DeleteMode::kAfter || delay_updates))
      return false;
    return true;
  }

  // ---- server side ----
  bool am_server = false;   // --server
  bool am_sender = false;   // --sender (server: we send)
  std::string client_caps;  // the -e.xxx capability letters (server)

  // ---- daemon (issue 4; kept in one block for merging) ----
  bool munge_symlinks = false;  // a module's "munge symlinks" (server)
  // A module's filter list (server; null when it has none).
  std::shared_ptr<const filter::DaemonFilter> daemon_filter;
  // A module's "outgoing chmod" (sending) or "incoming chmod" (receiving).
  flist::ChmodRules daemon_chmod;
  bool ignore_nonreadable = false;  // a module's "ignore nonreadable" (sending)
  bool open_noatime = false;        // a module's "open noatime": files read with O_NOATIME
  bool dont_compress_all = false;  // a module's "dont compress" holds "*" (sending: stored deflate)
  // A module's "transfer logging": its "log format" (the daemon's own
  // escapes %h %a %m %u %P already filled in) and the log it goes to.
  std::string transfer_log_format;
  std::function<void(const std::string&)> transfer_log;
  // A local copy only: both ends share it (session/local_bridge.h).
  std::shared_ptr<LocalBridge> local_bridge;
  std::string daemon_dest_dir;  // %f on a receiving daemon: the destination in the module
  int daemon_port = 0;          // --port (client; 0: 873)
  std::string password_file;    // --password-file (client)
  bool no_motd = false;         // --no-motd (client)
  int contimeout = 0;           // --contimeout (client)
  std::string bind_address;     // --address (client)
  int address_family = 0;       // -4/--ipv4, -6/--ipv6 (AF_INET, AF_INET6; 0: either)
  std::string sockopts;         // --sockopts (client socket)
};

}  // namespace crsync::session
