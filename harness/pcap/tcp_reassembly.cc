#include "pcap/tcp_reassembly.h"

#include <algorithm>

namespace crsync::pcap {
namespace {

// Maps a signed offset to an unsigned one with the same order.
uint64_t bias(int64_t rel) {
  return static_cast<uint64_t>(rel) + (uint64_t{1} << 63);
}

}  // namespace

void Reassembler::place(Dir& d, TcpSegment& seg) {
  uint32_t start = seg.seq;
  if (seg.flags & kTcpSyn) {
    // The SYN consumes one sequence number: data starts after it.
    start = seg.seq + 1;
    if (!d.have_base) {
      d.have_base = true;
      d.base = start;
    }
  }
  if (seg.payload.empty()) return;
  if (!d.have_base) {
    d.have_base = true;
    d.base = start;
  }
  // Offset relative to base with 32-bit wraparound; data before the base
  // (capture started mid-stream, then an earlier retransmission) moves the
  // base back.
  const auto rel = static_cast<int64_t>(static_cast<int32_t>(start - d.base));
  if (rel < d.min_rel) d.min_rel = rel;
  d.segs.push_back({bias(rel), d.arrivals++, seg.frame, d.log.size(), seg.payload.size()});
  d.log.append(seg.payload);
}

void Reassembler::add(TcpSegment&& seg) {
  const bool fwd = seg.src < seg.dst;
  const auto key = fwd ? std::make_pair(seg.src, seg.dst) : std::make_pair(seg.dst, seg.src);
  auto it = conns_.find(key);
  // A new SYN on a tuple whose connection has ended starts a new connection.
  if (it != conns_.end() && (seg.flags & kTcpSyn) && !(seg.flags & kTcpAck) &&
      (it->second.saw_fin || it->second.saw_rst)) {
    closed_.push_back(std::move(it->second));
    conns_.erase(it);
    it = conns_.end();
  }
  if (it == conns_.end()) {
    Conn c;
    c.first_frame = seg.frame;
    c.a.from = seg.src;
    c.a.to = seg.dst;
    c.b.from = seg.dst;
    c.b.to = seg.src;
    it = conns_.emplace(key, std::move(c)).first;
  }
  Conn& c = it->second;
  if ((seg.flags & kTcpSyn) && !(seg.flags & kTcpAck)) c.client = seg.src;
  if (seg.flags & kTcpSyn) c.saw_syn = true;
  if (seg.flags & kTcpFin) c.saw_fin = true;
  if (seg.flags & kTcpRst) c.saw_rst = true;
  Dir& d = seg.src == c.a.from ? c.a : c.b;
  if (seg.flags & kTcpRst) d.rst = true;
  place(d, seg);
}

HalfStream Reassembler::build(Dir& d) {
  HalfStream h;
  h.from = d.from;
  h.to = d.to;
  h.reset = d.rst;
  const uint64_t zero = bias(d.min_rel);
  std::stable_sort(d.segs.begin(), d.segs.end(), [](const Pending& x, const Pending& y) {
    return x.offset != y.offset ? x.offset < y.offset : x.arrival < y.arrival;
  });
  // The common case: the log is the stream (every segment in order, no
  // overlap, no hole), and becomes it without a copy.
  bool log_is_stream = true;
  uint64_t expect = 0;
  for (const Pending& p : d.segs) {
    if (p.offset - zero != expect || p.log_pos != expect) {
      log_is_stream = false;
      break;
    }
    expect += p.len;
  }
  Spool out;
  uint64_t end = 0;
  size_t max_arrival_seen = 0;
  bool any = false;
  for (const Pending& p : d.segs) {
    ++h.stats.segments;
    if (any && p.arrival < max_arrival_seen) ++h.stats.out_of_order;
    max_arrival_seen = std::max(max_arrival_seen, p.arrival);
    any = true;
    const uint64_t off = p.offset - zero;
    if (off > end) {
      if (!h.stats.gap) {
        h.stats.gap = true;
        h.stats.gap_offset = end;
      }
      continue;
    }
    if (h.stats.gap) continue;
    const uint64_t overlap = std::min<uint64_t>(end - off, p.len);
    h.stats.duplicate_bytes += overlap;
    if (overlap < p.len) {
      h.frames.emplace_back(end, p.frame);
      if (!log_is_stream) d.log.copy_range(p.log_pos + overlap, p.len - overlap, out);
      end += p.len - overlap;
    }
  }
  h.data = log_is_stream ? d.log.finish() : out.finish();
  d.log = Spool();
  return h;
}

std::vector<Connection> Reassembler::finish() {
  std::vector<Conn> all = std::move(closed_);
  for (auto& [k, c] : conns_) all.push_back(std::move(c));
  conns_.clear();
  std::sort(all.begin(), all.end(),
            [](const Conn& x, const Conn& y) { return x.first_frame < y.first_frame; });
  std::vector<Connection> out;
  for (Conn& c : all) {
    Connection r;
    r.first_frame = c.first_frame;
    r.saw_syn = c.saw_syn;
    r.saw_fin = c.saw_fin;
    r.saw_rst = c.saw_rst;
    // The client is the sender of the bare SYN; failing that, the side with
    // the higher port (servers listen on the lower, well-known one).
    bool a_is_client = false;
    if (c.client)
      a_is_client = *c.client == c.a.from;
    else
      a_is_client = c.a.from.port > c.a.to.port;
    Dir& cd = a_is_client ? c.a : c.b;
    Dir& sd = a_is_client ? c.b : c.a;
    r.client = cd.from;
    r.server = sd.from;
    r.c2s = build(cd);
    r.s2c = build(sd);
    out.push_back(std::move(r));
  }
  return out;
}

Status reassemble_file(const std::string& path, std::vector<Connection>* out, CaptureStats* stats) {
  Reassembler r;
  CRSYNC_RETURN_IF_ERROR(read_tcp_segments(
      path, [&](TcpSegment&& s) { r.add(std::move(s)); }, stats));
  *out = r.finish();
  return Status::Ok();
}

}  // namespace crsync::pcap
