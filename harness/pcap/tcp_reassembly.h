// TCP stream reassembly by sequence number: segments are placed at their
// offset from the initial sequence number, so retransmissions, duplicates,
// overlaps and out-of-order arrival all yield the byte stream the
// application saw. Payloads are logged in arrival order in a Spool (memory,
// then a temporary file) and the stream is built from the log, so a capture
// larger than memory reassembles. Several connections in one capture are kept apart and
// ordered by their first frame.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "pcap/spool.h"
#include "pcap/tcp_segment.h"

namespace crsync::pcap {

struct StreamStats {
  size_t segments = 0;         // segments carrying payload
  size_t duplicate_bytes = 0;  // bytes seen again (retransmissions, overlaps)
  size_t out_of_order = 0;     // segments that arrived before an earlier offset
  bool gap = false;            // a hole: bytes after it are not in `data`
  uint64_t gap_offset = 0;
};

struct HalfStream {
  Endpoint from, to;
  StreamBuffer data;  // in memory, or a mapped temporary file when large
  StreamStats stats;
  bool reset = false;  // the sending side ended the connection with RST
  // For each payload segment placed: (stream offset, frame number), used to
  // map a byte offset back to a frame.
  std::vector<std::pair<uint64_t, size_t>> frames;
};

struct Connection {
  Endpoint client, server;
  bool saw_syn = false;
  bool saw_fin = false;
  bool saw_rst = false;
  size_t first_frame = 0;
  HalfStream c2s;  // client -> server
  HalfStream s2c;  // server -> client
};

class Reassembler {
 public:
  void add(TcpSegment&& seg);
  // Builds the streams; connections in order of their first frame.
  std::vector<Connection> finish();

 private:
  struct Pending {
    uint64_t offset;  // relative to the direction's base sequence number
    size_t arrival;
    size_t frame;
    uint64_t log_pos;  // where the payload is in the direction's log
    size_t len;
  };
  struct Dir {
    Endpoint from, to;
    bool have_base = false;
    uint32_t base = 0;  // sequence number of stream offset 0
    int64_t min_rel = 0;
    std::vector<Pending> segs;
    Spool log;  // every payload in arrival order; memory stays bounded
    size_t arrivals = 0;
    bool rst = false;  // this side reset the connection
  };
  struct Conn {
    size_t first_frame = 0;
    std::optional<Endpoint> client;  // known from a bare SYN
    bool saw_syn = false, saw_fin = false, saw_rst = false;
    Dir a, b;  // a: the first segment's direction
  };
  static void place(Dir& d, TcpSegment& seg);
  static HalfStream build(Dir& d);

  std::map<std::pair<Endpoint, Endpoint>, Conn> conns_;
  // Connections ended by FIN/RST and then reused (same 4-tuple) start anew.
  std::vector<Conn> closed_;
};

// Reads and reassembles a whole capture file.
Status reassemble_file(const std::string& path, std::vector<Connection>* out,
                       CaptureStats* stats = nullptr);

}  // namespace crsync::pcap
