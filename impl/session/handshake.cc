#include "session/handshake.h"

#include <unistd.h>

#include <ctime>

#include "session/context.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

// Reads --checksum-choice's "xfer[,file]" form.
Status parse_checksum_choice(const std::string& choice, int protocol, bool proper_seed_order,
                             Negotiated* n) {
  const auto pick = [&](std::string_view name, checksum::ChecksumType* out) -> Status {
    if (name == "auto") {
      *out = protocol >= 30 ? checksum::ChecksumType::kMd5 : checksum::implied_md4(protocol);
      return Status::Ok();
    }
    auto t = checksum::checksum_by_name(name);
    if (!t || *t == checksum::ChecksumType::kSha256 || *t == checksum::ChecksumType::kSha512)
      return Status::Error(ExitCode::kUnsupported, "unknown checksum name: " + std::string(name));
    *out = *t;
    return Status::Ok();
  };
  (void)proper_seed_order;
  const auto comma = choice.find(',');
  CRSYNC_RETURN_IF_ERROR(pick(std::string_view(choice).substr(0, comma), &n->xfer_sum));
  if (comma == std::string::npos) {
    n->file_sum = n->xfer_sum;
  } else {
    CRSYNC_RETURN_IF_ERROR(pick(std::string_view(choice).substr(comma + 1), &n->file_sum));
  }
  return Status::Ok();
}

}  // namespace

std::string client_capabilities(const Options& o, bool allow_inc_recurse) {
  (void)o;
  std::string caps = ".";
  if (allow_inc_recurse) caps += 'i';
  caps += "LsfxCIvu";
  return caps;
}

std::string protocol_refusal(const Options& o, int protocol) {
  // Below 29 no basis type goes with a file: only the first directory can
  // serve as the basis, and never with --inplace.
  if (protocol < 29 && !o.basis_dirs.empty()) {
    const std::string opt = alt_dest_option(o.alt_dest);
    const std::string neg = " (negotiated " + std::to_string(protocol) + ").";
    if (o.inplace) return opt + " with --inplace requires protocol 29 or higher" + neg;
    if (o.basis_dirs.size() > 1)
      return "Using more than one " + opt + " option requires protocol 29 or higher" + neg;
  }
  return {};
}

Status refuse_for_protocol(Context& c, const Options& o) {
  const std::string why = protocol_refusal(o, c.protocol());
  if (why.empty()) return Status::Ok();
  c.output->error(why + "\n");
  return Status::Error(ExitCode::kProtocol, "");
}

Status run_handshake(MuxIn& in, MuxOut& out, const Options& o, const HandshakeParams& p,
                     Negotiated* n) {
  const int ours = o.protocol ? o.protocol : wire::kProtocolVersion;
  int remote = p.remote_protocol;
  if (p.exchange_versions) {
    ByteWriter w;
    wire::put_int32(w, ours);
    CRSYNC_RETURN_IF_ERROR(out.write(w));
    CRSYNC_RETURN_IF_ERROR(out.flush());
    int32_t r = 0;
    CRSYNC_RETURN_IF_ERROR(in.read_int32(&r));
    remote = r;
    if (remote < wire::kUpstreamMinProtocol || remote > wire::kMaxProtocolVersion)
      return Status::Protocol(
          "protocol version mismatch -- is your shell clean?\n"
          "(see the rsync manpage for an explanation)");
  }
  n->protocol = std::min(ours, remote);
  if (n->protocol < wire::kMinProtocolVersion)
    return Status::Protocol("protocol version " + std::to_string(n->protocol) +
                            " is older than crsync supports (" +
                            std::to_string(wire::kMinProtocolVersion) + ")");
  in.set_protocol(n->protocol);
  out.set_protocol(n->protocol);
  if (n->protocol >= 30) {
    if (p.am_server) {
      const std::string& ci = o.client_caps;
      const auto has = [&](char c) { return ci.find(c) != std::string::npos; };
      uint32_t cf = 0;
      if (p.allow_inc_recurse && has('i')) cf |= wire::kCfIncRecurse;
      cf |= wire::kCfSymlinkTimes;  // Linux sets symlink times (utimensat)
      cf |= wire::kCfSymlinkIconv;  // as upstream's Debian builds advertise
      if (has('f')) cf |= wire::kCfSafeFlist;
      if (has('x')) cf |= wire::kCfAvoidXattrOptim;
      if (has('C')) cf |= wire::kCfChksumSeedFix;
      if (has('I')) cf |= wire::kCfInplacePartialDir;
      if (has('v')) cf |= wire::kCfVarintFlistFlags;
      if (has('u')) cf |= wire::kCfId0Names;
      ByteWriter w;
      wire::put_varint(w, static_cast<int32_t>(cf));
      CRSYNC_RETURN_IF_ERROR(out.write(w));
      n->compat_flags = cf;
    } else {
      int32_t cf = 0;
      CRSYNC_RETURN_IF_ERROR(in.read_varint(&cf));
      n->compat_flags = static_cast<uint32_t>(cf);
      if ((n->compat_flags & wire::kCfIncRecurse) && !p.allow_inc_recurse)
        return Status::Error(
            ExitCode::kSyntax,
            "incremental recursion was turned on by the server without our consent");
    }
  }
  const uint32_t cf = n->compat_flags;
  n->inc_recurse = cf & wire::kCfIncRecurse;
  n->safe_flist = (cf & wire::kCfSafeFlist) || n->protocol >= 31;
  n->proper_seed_order = cf & wire::kCfChksumSeedFix;
  n->varint_flist_flags = cf & wire::kCfVarintFlistFlags;
  n->id0_names = cf & wire::kCfId0Names;
  n->symlink_times = p.am_server ? o.client_caps.find('L') != std::string::npos
                                 : (cf & wire::kCfSymlinkTimes) != 0;

  // ---- name negotiation: write ours first, then read theirs ----
  const bool negotiate = n->varint_flist_flags;
  const bool send_csum = negotiate && o.checksum_choice.empty();
  const bool send_zlist = negotiate && o.compress && o.compress_choice.empty();
  const std::string my_csum = wire::default_name_list(wire::NameKind::kChecksum, p.am_server);
  const std::string my_zlist = wire::default_name_list(wire::NameKind::kCompress, p.am_server);
  if (send_csum || send_zlist) {
    ByteWriter w;
    if (send_csum) CRSYNC_RETURN_IF_ERROR(wire::put_vstring(w, my_csum));
    if (send_zlist) CRSYNC_RETURN_IF_ERROR(wire::put_vstring(w, my_zlist));
    CRSYNC_RETURN_IF_ERROR(out.write(w));
    CRSYNC_RETURN_IF_ERROR(out.flush());
  }
  std::string their_csum, their_zlist;
  if (send_csum) {
    CRSYNC_RETURN_IF_ERROR(in.decode(
        [&](ByteReader& r) { return wire::get_vstring(r, wire::kMaxNstrStrlen, &their_csum); }));
  }
  if (send_zlist) {
    CRSYNC_RETURN_IF_ERROR(in.decode(
        [&](ByteReader& r) { return wire::get_vstring(r, wire::kMaxNstrStrlen, &their_zlist); }));
  }

  if (!o.checksum_choice.empty()) {
    CRSYNC_RETURN_IF_ERROR(
        parse_checksum_choice(o.checksum_choice, n->protocol, n->proper_seed_order, n));
  } else if (send_csum) {
    const std::string& client = p.am_server ? their_csum : my_csum;
    const std::string& server = p.am_server ? my_csum : their_csum;
    CRSYNC_ASSIGN_OR_RETURN(std::string name,
                            wire::negotiate_names(wire::NameKind::kChecksum, client, server));
    n->xfer_sum = n->file_sum = *checksum::checksum_by_name(name);
  } else {
    n->xfer_sum = n->file_sum = wire::implied_checksum(n->protocol);
  }
  // Below 30, an md4 choice means the protocol's md4 variant.
  if (checksum::is_md4_family(n->xfer_sum) && n->protocol < 30)
    n->xfer_sum = checksum::implied_md4(n->protocol);
  if (checksum::is_md4_family(n->file_sum) && n->protocol < 30)
    n->file_sum = checksum::implied_md4(n->protocol);

  if (o.compress) {
    if (!o.compress_choice.empty()) {
      auto c = wire::compress_by_name(o.compress_choice);
      if (!c)
        return Status::Error(ExitCode::kUnsupported, "unknown compress name: " + o.compress_choice);
      n->compress = *c;
    } else if (send_zlist) {
      const std::string& client = p.am_server ? their_zlist : my_zlist;
      const std::string& server = p.am_server ? my_zlist : their_zlist;
      CRSYNC_ASSIGN_OR_RETURN(std::string name,
                              wire::negotiate_names(wire::NameKind::kCompress, client, server));
      n->compress = *wire::compress_by_name(name);
    } else {
      n->compress = wire::CompressType::kZlib;
    }
  }

  // ---- seed ----
  if (p.am_server) {
    int32_t seed = o.checksum_seed;
    if (!seed) seed = static_cast<int32_t>(std::time(nullptr) ^ (::getpid() << 6));
    ByteWriter w;
    wire::put_int32(w, seed);
    CRSYNC_RETURN_IF_ERROR(out.write(w));
    CRSYNC_RETURN_IF_ERROR(out.flush());
    n->seed = seed;
  } else {
    CRSYNC_RETURN_IF_ERROR(in.read_int32(&n->seed));
  }
  return Status::Ok();
}

}  // namespace crsync::session
