// What a side prints for an item, from the session's options (upstream
// log.c log_item, maybe_log_item, log_delete): the --out-format line of a
// file, the line of a deletion, and which items the generator reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "checksum/checksum_type.h"
#include "session/context.h"

namespace crsync::session {

// What the caller knows beyond the entry.
struct ItemExtras {
  std::string_view hlink;       // a hard link's target (%L " => x")
  std::string_view sender_dir;  // %f on a sender
  int64_t data_written = 0;     // %b/%c: this file's stream bytes
  int64_t data_read = 0;
  std::string checksum_hex;  // %C: the whole-file checksum of a transfer
};

// The item line in the side's format (ends in '\n').
std::string item_text(const Context& c, uint32_t iflags, const flist::FileEntry& e,
                      const ItemExtras& x = {});

// A daemon module's "transfer logging" (upstream log_item / log_delete to
// FLOG): the item's line in the module's "log format" written to the
// daemon's log; nothing without it or in a dry run. `deleted_name` makes
// it a deletion ("deleting %n" unless the format has %o or %i).
void log_transfer(const Context& c, uint32_t iflags, const flist::FileEntry& e,
                  const ItemExtras& x = {}, const std::string* deleted_name = nullptr);

// The hard-link target an item's xname names, or "" (a hard link made on
// the receiving side: a local change with an xname).
std::string_view hlink_of(uint32_t iflags, const flist::FileEntry& e, std::string_view xname);

// The line a deletion prints ("deleting x", or the format with "%i" as
// "*deleting  " and "%o" as "del."), or "" when nothing is printed.
std::string delete_text(const Context& c, const std::string& name, uint32_t mode);

// Whether the generator sends (protocol >= 29) an item that needs no
// transfer: a significant change, or every item with -vv or -ii.
bool gen_reports_item(const Context& c, uint32_t iflags);

// Below 29 a client's generator prints items itself (no echo comes back):
// when itemizing (%i), each reported item in the format; otherwise, with
// -v (info name), what it created or changed (upstream recv_generator).
bool gen_logs_item(const Context& c, uint32_t iflags, const flist::FileEntry& e, bool created);

// Upstream sum_as_hex: the digest in hex (xxh* sums byte-reversed); "" for
// the MD4 variants below 30 and "none".
std::string checksum_hex(checksum::ChecksumType t, const uint8_t* sum, int len);

}  // namespace crsync::session
