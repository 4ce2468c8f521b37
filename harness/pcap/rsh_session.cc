#include "pcap/rsh_session.h"

#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

Status read_version(ByteSpan s, const char* side, int* out) {
  ByteReader r(s);
  int32_t v = 0;
  Status st = wire::get_int32(r, &v);
  if (st.need_more()) return Status::Protocol(std::string("no protocol version from the ") + side);
  CRSYNC_RETURN_IF_ERROR(st);
  if (v < wire::kUpstreamMinProtocol || v > wire::kMaxProtocolVersion)
    return Status::Protocol(std::string("not an rsync remote-shell session: the ") + side +
                            " sent protocol version " + std::to_string(v));
  *out = v;
  return Status::Ok();
}

}  // namespace

Status parse_rsh_start(ByteSpan c2s, ByteSpan s2c, const std::vector<std::string>& server_args,
                       DaemonText* out) {
  CRSYNC_RETURN_IF_ERROR(read_version(s2c, "server", &out->server_protocol));
  CRSYNC_RETURN_IF_ERROR(read_version(c2s, "client", &out->client_protocol));
  out->protocol = std::min(out->server_protocol, out->client_protocol);
  out->args = server_args;
  out->s2c_binary = 4;
  out->c2s_binary = 4;
  return Status::Ok();
}

void rsh_start_elements(const DaemonText& text, std::vector<Element>* c2s_out,
                        std::vector<Element>* s2c_out) {
  for (Dir d : {Dir::kC2S, Dir::kS2C}) {
    Element e;
    e.dir = d;
    e.kind = "protocol version";
    e.offset = e.data_offset = 0;
    e.length = e.data_length = 4;
    e.add("version", std::to_string(d == Dir::kC2S ? text.client_protocol : text.server_protocol));
    (d == Dir::kC2S ? c2s_out : s2c_out)->push_back(std::move(e));
  }
}

}  // namespace crsync::pcap
