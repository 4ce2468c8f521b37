// The --out-format engine (upstream log.c log_formatted, log_format_has):
// expands the %-escapes of an item line for one file. An escape is '%',
// then optional apostrophes (each one raises the number grouping of %l, %b
// and %c: 1 = thousands separators, 2 = K/M/G in 1000s, 3 = in 1024s),
// an optional '-' and a width (printf-style padding of the value), then
// the letter:
//   %n name (directories with a trailing '/')   %f full path (sender: with
//   %L " -> target" / " => hardlink"               its argument directory)
//   %i itemize string ("*deleting  " for a deletion)
//   %l length   %b bytes sent   %c bytes received (for a transfer, else 0)
//   %o operation ("send", "recv", "del.")   %M mtime   %t current time
//   %B permissions   %U uid   %G gid ("DEFAULT" when not kept)   %p pid
//   %C whole-file checksum   %h %a %m %P %u (daemon only: left as they are)
// An unknown letter is left as it is (with its '%'); so is "%%" in 3.4.1,
// which keeps the first '%' and reads the second as the start of an escape.
// The line ends with '\n'.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "flist/file_entry.h"
#include "session/item_log.h"

namespace crsync::session {

struct FormatItem {
  const flist::FileEntry* file = nullptr;
  // log_delete's name: used for %n/%f instead of the entry's, and no
  // symlink target is shown.
  const std::string* fname = nullptr;
  uint32_t iflags = 0;
  std::string_view op = "recv";
  std::string_view hlink;  // %L's " => hlink" (a hard link's target)
  bool am_sender = false;
  std::string_view sender_dir;  // %f on a sender: the argument's directory
  std::string_view daemon_dir;  // %f on a daemon's receiving side: the destination in the module
  ItemizeContext itemize;       // %i
  int64_t data_written = 0;     // this file's stream bytes written / read
  int64_t data_read = 0;
  bool uid_kept = false;     // -o (upstream uid_ndx)
  bool gid_kept = false;     // -g and the group is ours to set
  std::string checksum_hex;  // %C; "" = blanks
  int checksum_len = 16;     // digest bytes (the width of blank %C)
  long pid = 0;
  std::time_t now = 0;
};

// The expanded line, ending in '\n'.
std::string format_item(std::string_view format, const FormatItem& it);

// Whether `format` uses the escape letter `esc` (upstream log_format_has).
bool format_has(std::string_view format, char esc);

// "YYYY/MM/DD HH:MM:SS" in local time (upstream timestring).
std::string time_string(std::time_t t);
// ls(1)-style "drwxr-xr-x" (upstream permstring).
std::string perm_string(uint32_t mode);
// A number with upstream's do_big_num grouping at level `human` (0: digits,
// 1: thousands separators, 2/3: K, M, G, T, P in 1000s/1024s).
std::string big_num(int64_t n, int human);
// Upstream clean_fname without its flags: repeated slashes and "."
// components dropped, no trailing slash; "" becomes ".".
std::string clean_name(std::string_view name);

}  // namespace crsync::session
