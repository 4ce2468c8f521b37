// What decoding a daemon session needs to know, read from the session
// itself: the protocol, the compat flags, the options the client passed to
// the server (the short-option cluster and the long options of the argument
// list), the negotiated checksum and compression, and which side sends.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "checksum/checksum_type.h"
#include "flist/flist_decoder.h"
#include "pcap/daemon_session.h"
#include "wire/negotiate.h"

namespace crsync::pcap {

struct SessionFacts {
  int protocol = 0;
  bool listing = false;        // module listing: text only
  bool refused = false;        // "@ERROR" ended the text phase
  bool server_sender = false;  // "--sender": a pull
  uint32_t compat_flags = 0;
  bool inc_recurse = false;
  bool mux_c2s = false;  // the client multiplexes its output (protocol >= 30)

  // Options from the arguments.
  bool dry_run = false, list_only = false, recursive = false;
  bool preserve_uid = false, preserve_gid = false, preserve_links = false;
  bool preserve_devices = false, preserve_specials = false, preserve_hard_links = false;
  bool preserve_atimes = false, preserve_crtimes = false, preserve_acls = false;
  bool preserve_xattrs = false, relative = false, numeric_ids = false;
  bool always_checksum = false, delete_mode = false, delete_excluded = false;
  bool prune_empty_dirs = false;
  bool seed_pinned = false;  // --checksum-seed=N given
  int32_t seed = 0;

  checksum::ChecksumType xfer_sum = checksum::ChecksumType::kMd5;
  int xfer_sum_len = 16;   // whole-file checksum after each file's tokens
  int flist_csum_len = 0;  // -c: checksum bytes per regular file in the list
  bool compress = false;
  wire::CompressType compress_type = wire::CompressType::kNone;

  // The filter list travels client -> server: always in a pull, in a push
  // only when the receiving server wants it (deletions, pruning).
  bool client_sends_filters() const;

  flist::FlistOptions flist_options() const;
  // One line: "protocol 32, pull, inc_recurse, checksum xxh128, ...".
  std::string summary() const;
};

Status derive_session_facts(const DaemonText& text, const BinaryPrologue& pro, SessionFacts* out);

}  // namespace crsync::pcap
