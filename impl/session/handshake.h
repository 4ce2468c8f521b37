// Session set-up (upstream compat.c setup_protocol): the protocol version
// exchange (not for daemon connections, whose greeting already carried it),
// compat flags (server -> client, from 30), checksum and compression name
// negotiation (both write first, then read), and the checksum seed.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "checksum/checksum_type.h"
#include "session/mux_io.h"
#include "session/options.h"
#include "wire/negotiate.h"

namespace crsync::session {

// What both sides agreed on.
struct Negotiated {
  int protocol = 0;
  uint32_t compat_flags = 0;
  bool inc_recurse = false;
  bool safe_flist = false;         // use_safe_inc_flist
  bool proper_seed_order = false;  // CF_CHKSUM_SEED_FIX
  bool varint_flist_flags = false;
  bool id0_names = false;
  bool symlink_times = false;
  checksum::ChecksumType xfer_sum = checksum::ChecksumType::kMd5;
  checksum::ChecksumType file_sum = checksum::ChecksumType::kMd5;
  wire::CompressType compress = wire::CompressType::kNone;
  int32_t seed = 0;
};

// The capability letters a client puts after "-e." (maybe_add_e_option):
// 'i' only when incremental recursion is allowed.
std::string client_capabilities(const Options& o, bool allow_inc_recurse);

struct HandshakeParams {
  bool am_server = false;
  bool am_sender = false;
  bool exchange_versions = true;   // false for daemon connections
  int remote_protocol = 0;         // daemon: from the greeting
  bool allow_inc_recurse = false;  // this side's willingness (server decides the bit)
};

// Runs the set-up on a fresh connection (output raw, input raw).
Status run_handshake(MuxIn& in, MuxOut& out, const Options& o, const HandshakeParams& p,
                     Negotiated* n);

// What upstream's setup_protocol refuses once the protocol is known (an
// option the protocol cannot carry), as the line it prints; "" when fine.
std::string protocol_refusal(const Options& o, int protocol);
struct Context;  // session/context.h (which includes this header)

// protocol_refusal printed as upstream's bare line, ending the session
// (exit 2), once the handshake has set c's protocol.
Status refuse_for_protocol(Context& c, const Options& o);

}  // namespace crsync::session
