// What a client prints (upstream log.c log_formatted, main.c output_summary,
// lib/compat.c number formatting): itemize strings ("%i"), per-file lines
// ("%n%L"), deletions, the --stats block and the closing summary.
#pragma once

#include <cstdint>
#include <string>

#include "flist/file_entry.h"

namespace crsync::session {

// The 11-character "YXcstpoguax" itemize string.
struct ItemizeContext {
  bool sending_client = false;   // '<' for transfers (a remote push's client sender)
  bool preserve_mtimes = false;  // -t: 't' vs 'T'
  bool symlink_times = true;     // the receiver can set symlink times
};
std::string itemize_string(uint32_t iflags, const flist::FileEntry& e, const ItemizeContext& c);

// "%n%L": the name (a directory with a trailing '/') and " -> target".
std::string name_and_link(const flist::FileEntry& e);

// A line for an item under the default formats: "%i %n%L" with -i, else "%n%L".
// `hlink_target` (the xname of a hard-linked item) gives " => target".
std::string item_line(uint32_t iflags, const flist::FileEntry& e, const ItemizeContext& c,
                      bool itemize, const std::string& hlink_target = {});

// Number formatting at a -h level (0: digits, 1: thousands commas, 2+: K/M/G).
std::string human_num(int64_t n, int level);
std::string comma_num(int64_t n, int level);
std::string comma_dnum(double d, int decimals, int level);
std::string human_dnum(double d, int decimals, int level);

struct TransferStats {
  int64_t total_read = 0;
  int64_t total_written = 0;
  int64_t total_size = 0;
  int64_t total_transferred_size = 0;
  int64_t literal_data = 0;
  int64_t matched_data = 0;
  int64_t flist_size = 0;
  int64_t flist_buildtime_ms = 0;
  int64_t flist_xfertime_ms = 0;
  int64_t num_files = 0, num_dirs = 0, num_symlinks = 0, num_devices = 0, num_specials = 0;
  int64_t created_files = 0, created_dirs = 0, created_symlinks = 0, created_devices = 0,
          created_specials = 0;
  int64_t deleted_files = 0, deleted_dirs = 0, deleted_symlinks = 0, deleted_devices = 0,
          deleted_specials = 0;
  int64_t xferred_files = 0;
};

// The --stats block (without the closing summary).
std::string stats_block(const TransferStats& s, int protocol, int human);
// "sent N bytes  received N bytes  N bytes/sec\ntotal size is N  speedup is N[ (DRY RUN)]\n".
std::string summary_lines(const TransferStats& s, double elapsed_seconds, bool dry_run, int human);

}  // namespace crsync::session
