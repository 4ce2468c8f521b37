// Reads TCP segments out of a capture file (pcap or pcapng, through libpcap)
// whatever the link type: Ethernet (with VLAN tags), Linux cooked v1 and v2,
// BSD loopback/null, and raw IP; IPv4 and IPv6.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::pcap {

struct Endpoint {
  std::string addr;  // textual address ("127.0.0.1", "::1")
  uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
  auto operator<=>(const Endpoint&) const = default;
  std::string to_string() const;
};

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

struct TcpSegment {
  size_t frame = 0;  // 1-based frame number in the file
  double time = 0;   // seconds since the epoch
  Endpoint src, dst;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  Bytes payload;
};

struct CaptureStats {
  size_t frames = 0;
  size_t tcp_segments = 0;
  size_t skipped = 0;  // frames that are not TCP over IP (ARP, UDP, truncated...)
};

// Calls `on_segment` for every TCP segment in file order. Errors: the file
// cannot be opened or its link type is unsupported (exit code 2 semantics
// are the caller's).
Status read_tcp_segments(const std::string& path,
                         const std::function<void(TcpSegment&&)>& on_segment,
                         CaptureStats* stats = nullptr);

// Parses one link-layer frame; exposed for tests and fuzzing. Returns false
// when the frame is not a complete TCP segment.
bool parse_frame(int link_type, ByteSpan frame, TcpSegment* out);

}  // namespace crsync::pcap
