#include "pcap/tcp_segment.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>

namespace crsync::pcap {
namespace {

// Link types (pcap-linktype(7)).
constexpr int kLinkNull = 0;      // DLT_NULL: 4-byte host-order AF
constexpr int kLinkEthernet = 1;  // DLT_EN10MB
constexpr int kLinkRaw = 101;     // LINKTYPE_RAW
constexpr int kLinkRawAlt1 = 12;  // DLT_RAW on some systems
constexpr int kLinkRawAlt2 = 14;  // DLT_RAW on others
constexpr int kLinkLoop = 108;    // DLT_LOOP: 4-byte network-order AF
constexpr int kLinkSll = 113;     // DLT_LINUX_SLL
constexpr int kLinkIpv4 = 228;    // LINKTYPE_IPV4
constexpr int kLinkIpv6 = 229;    // LINKTYPE_IPV6
constexpr int kLinkSll2 = 276;    // DLT_LINUX_SLL2

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinq = 0x88A8;
constexpr uint8_t kProtoTcp = 6;

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

bool parse_tcp(ByteSpan seg, std::string src, std::string dst, TcpSegment* out) {
  if (seg.size() < 20) return false;
  const uint8_t* t = seg.data();
  const size_t off = static_cast<size_t>(t[12] >> 4) * 4;
  if (off < 20 || off > seg.size()) return false;
  out->src = {std::move(src), be16(t)};
  out->dst = {std::move(dst), be16(t + 2)};
  out->seq = be32(t + 4);
  out->ack = be32(t + 8);
  out->flags = t[13];
  out->payload.assign(seg.begin() + static_cast<ptrdiff_t>(off), seg.end());
  return true;
}

std::string addr_text(int af, const uint8_t* p) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(af, p, buf, sizeof buf);
  return buf;
}

bool parse_ip(ByteSpan pkt, TcpSegment* out) {
  if (pkt.empty()) return false;
  const int version = pkt[0] >> 4;
  if (version == 4) {
    if (pkt.size() < 20) return false;
    const size_t ihl = static_cast<size_t>(pkt[0] & 0x0F) * 4;
    size_t total = be16(pkt.data() + 2);
    if (ihl < 20 || total < ihl) return false;
    if (total > pkt.size()) return false;  // truncated capture
    if (pkt[9] != kProtoTcp) return false;
    if ((be16(pkt.data() + 6) & 0x3FFF) != 0) return false;  // fragments: unsupported
    return parse_tcp(pkt.subspan(ihl, total - ihl), addr_text(AF_INET, pkt.data() + 12),
                     addr_text(AF_INET, pkt.data() + 16), out);
  }
  if (version == 6) {
    if (pkt.size() < 40) return false;
    const size_t payload_len = be16(pkt.data() + 4);
    if (40 + payload_len > pkt.size()) return false;
    uint8_t next = pkt[6];
    size_t off = 40;
    // Skip the common extension headers.
    while (next == 0 || next == 43 || next == 60) {
      if (off + 8 > 40 + payload_len) return false;
      const uint8_t nh = pkt[off];
      off += (static_cast<size_t>(pkt[off + 1]) + 1) * 8;
      next = nh;
    }
    if (next != kProtoTcp || off > 40 + payload_len) return false;
    return parse_tcp(pkt.subspan(off, 40 + payload_len - off), addr_text(AF_INET6, pkt.data() + 8),
                     addr_text(AF_INET6, pkt.data() + 24), out);
  }
  return false;
}

bool parse_ethertype(uint16_t type, ByteSpan rest, TcpSegment* out) {
  if (type == kEtherIpv4 || type == kEtherIpv6) return parse_ip(rest, out);
  return false;
}

}  // namespace

std::string Endpoint::to_string() const {
  if (addr.find(':') != std::string::npos) return "[" + addr + "]:" + std::to_string(port);
  return addr + ":" + std::to_string(port);
}

bool parse_frame(int link_type, ByteSpan f, TcpSegment* out) {
  switch (link_type) {
    case kLinkEthernet: {
      if (f.size() < 14) return false;
      size_t off = 12;
      uint16_t type = be16(f.data() + off);
      off += 2;
      while (type == kEtherVlan || type == kEtherQinq) {
        if (f.size() < off + 4) return false;
        type = be16(f.data() + off + 2);
        off += 4;
      }
      return parse_ethertype(type, f.subspan(off), out);
    }
    case kLinkSll:
      if (f.size() < 16) return false;
      return parse_ethertype(be16(f.data() + 14), f.subspan(16), out);
    case kLinkSll2:
      if (f.size() < 20) return false;
      return parse_ethertype(be16(f.data()), f.subspan(20), out);
    case kLinkNull:
    case kLinkLoop:
      // The 4-byte address family (host or network order); the IP version
      // nibble tells v4 from v6 without caring which.
      if (f.size() < 4) return false;
      return parse_ip(f.subspan(4), out);
    case kLinkRaw:
    case kLinkRawAlt1:
    case kLinkRawAlt2:
    case kLinkIpv4:
    case kLinkIpv6: return parse_ip(f, out);
    default: return false;
  }
}

Status read_tcp_segments(const std::string& path,
                         const std::function<void(TcpSegment&&)>& on_segment, CaptureStats* stats) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (!p) return Status::Error(ExitCode::kFileIo, "cannot read capture " + path + ": " + err);
  const int link = pcap_datalink(p);
  switch (link) {
    case kLinkEthernet:
    case kLinkSll:
    case kLinkSll2:
    case kLinkNull:
    case kLinkLoop:
    case kLinkRaw:
    case kLinkRawAlt1:
    case kLinkRawAlt2:
    case kLinkIpv4:
    case kLinkIpv6: break;
    default:
      pcap_close(p);
      return Status::Error(ExitCode::kUnsupported,
                           "unsupported link type " + std::to_string(link) + " in " + path);
  }
  CaptureStats local;
  CaptureStats& st = stats ? *stats : local;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    ++st.frames;
    TcpSegment seg;
    seg.frame = st.frames;
    seg.time = static_cast<double>(hdr->ts.tv_sec) + static_cast<double>(hdr->ts.tv_usec) / 1e6;
    if (!parse_frame(link, ByteSpan(data, hdr->caplen), &seg)) {
      ++st.skipped;
      continue;
    }
    ++st.tcp_segments;
    on_segment(std::move(seg));
  }
  Status result;
  if (rc == -1)
    result = Status::Error(ExitCode::kFileIo, std::string("capture read error: ") + pcap_geterr(p));
  pcap_close(p);
  return result;
}

}  // namespace crsync::pcap
