#include "pcap/session_dissector.h"

#include <algorithm>

#include "pcap/rsh_session.h"
#include "pcap/stream_cursor.h"
#include "pcap/text_stage.h"
#include "pcap/transfer_dissector.h"

namespace crsync::pcap {
namespace {

Element whole_undecoded(Dir dir, uint64_t from, uint64_t to, const std::string& why) {
  Element e;
  e.dir = dir;
  e.kind = "undecoded";
  e.offset = e.data_offset = from;
  e.length = e.data_length = to - from;
  e.undecoded = true;
  e.add("reason", why);
  return e;
}

// Gives data-plane elements their raw offsets.
void place(const DataMap& map, std::vector<Element>& els) {
  for (Element& e : els) {
    e.offset = map.raw_offset(e.data_offset);
    if (e.data_length == 0) {
      e.length = 0;
      continue;
    }
    const uint64_t last = map.raw_offset(e.data_offset + e.data_length - 1);
    e.length = last + 1 - e.offset;
  }
}

void finish_direction(DirectionDissection& d) {
  std::stable_sort(d.elements.begin(), d.elements.end(),
                   [](const Element& a, const Element& b) { return a.offset < b.offset; });
  // Coverage: bytes inside decoded elements (data elements spanning frames
  // include the frame headers between their bytes, which are decoded too).
  uint64_t covered = 0, reach = 0;
  for (const Element& e : d.elements) {
    if (e.undecoded || e.length == 0) continue;
    const uint64_t from = std::max(e.offset, reach);
    const uint64_t to = e.offset + e.length;
    if (to > from) {
      covered += to - from;
      reach = to;
    }
  }
  d.decoded_bytes = covered;
}

void rest_undecoded(DirectionDissection& d, Dir dir, uint64_t from, const std::string& why) {
  if (from < d.raw.size()) d.elements.push_back(whole_undecoded(dir, from, d.raw.size(), why));
}

}  // namespace

ByteSpan DirectionDissection::l1_bytes(const Element& e) const {
  const StreamBuffer& buf = e.plane == Plane::kData ? demux.data : raw;
  if (e.data_offset > buf.size() || e.data_length > buf.size() - e.data_offset) return {};
  note_read_progress(e.data_length);
  return buf.span().subspan(e.data_offset, e.data_length);
}

namespace {

// Everything after the text phase (daemon) or the version exchange (remote
// shell): the binary prologue, the frames and the transfer.
void dissect_binary(Dissection& d) {
  Status st = parse_binary_prologue(d.c2s.raw, d.s2c.raw, d.text, &d.prologue);
  if (st.ok()) st = derive_session_facts(d.text, d.prologue, &d.facts);
  if (!st.ok()) {
    d.problem = st.to_string();
    rest_undecoded(d.c2s, Dir::kC2S, d.text.c2s_binary, d.problem);
    rest_undecoded(d.s2c, Dir::kS2C, d.text.s2c_binary, d.problem);
    finish_direction(d.c2s);
    finish_direction(d.s2c);
    return;
  }
  d.have_facts = true;
  prologue_elements(d.prologue, d.facts.seed_pinned, &d.c2s.elements, &d.s2c.elements);
  walk_frames(d.s2c.raw, d.prologue.s2c_mux, Dir::kS2C, &d.s2c.demux);
  if (d.facts.mux_c2s)
    walk_frames(d.c2s.raw, d.prologue.c2s_after, Dir::kC2S, &d.c2s.demux);
  else
    plain_stream(d.c2s.raw, d.prologue.c2s_after, &d.c2s.demux);

  TransferDissector transfer(d.facts);
  DirectionDissection& sender = d.facts.server_sender ? d.s2c : d.c2s;
  DirectionDissection& receiver = d.facts.server_sender ? d.c2s : d.s2c;
  const Dir sdir = d.facts.server_sender ? Dir::kS2C : Dir::kC2S;
  const Dir rdir = d.facts.server_sender ? Dir::kC2S : Dir::kS2C;
  const bool filters = d.facts.client_sends_filters();
  std::vector<Element> sender_els, receiver_els;
  StreamCursor sc(sdir, sender.demux.data, &sender_els);
  transfer.dissect_sender(sc, filters && !d.facts.server_sender, d.facts.server_sender);
  StreamCursor rc(rdir, receiver.demux.data, &receiver_els);
  transfer.dissect_receiver(rc, filters && d.facts.server_sender);
  place(sender.demux.map, sender_els);
  place(receiver.demux.map, receiver_els);

  for (DirectionDissection* dd : {&d.c2s, &d.s2c}) {
    for (Element& e : dd->demux.elements) dd->elements.push_back(std::move(e));
    dd->demux.elements.clear();
  }
  for (Element& e : sender_els) sender.elements.push_back(std::move(e));
  for (Element& e : receiver_els) receiver.elements.push_back(std::move(e));
  finish_direction(d.c2s);
  finish_direction(d.s2c);
  for (const DirectionDissection* dd : {&d.c2s, &d.s2c})
    for (const Element& e : dd->elements)
      if (e.undecoded && d.problem.empty())
        d.problem = e.describe() + " at " + std::to_string(e.offset) + ": " +
                    (e.fields.empty() ? "" : e.fields[0].value);
}

// The streams' start could not be read: both directions are undecoded.
void all_undecoded(Dissection& d, const Status& st) {
  d.problem = st.to_string();
  rest_undecoded(d.c2s, Dir::kC2S, 0, d.problem);
  rest_undecoded(d.s2c, Dir::kS2C, 0, d.problem);
  finish_direction(d.c2s);
  finish_direction(d.s2c);
}

}  // namespace

Dissection dissect_session(StreamBuffer c2s, StreamBuffer s2c) {
  Dissection d;
  d.c2s.raw = std::move(c2s);
  d.s2c.raw = std::move(s2c);
  Status st = parse_daemon_text(d.c2s.raw, d.s2c.raw, &d.text);
  if (!st.ok()) {
    all_undecoded(d, st);
    return d;
  }
  d.daemon = true;
  text_elements(d.c2s.raw, d.s2c.raw, d.text, &d.c2s.elements, &d.s2c.elements);
  if (d.text.listing || d.text.refused) {
    rest_undecoded(d.c2s, Dir::kC2S, d.text.c2s_binary, "bytes after the text exchange");
    rest_undecoded(d.s2c, Dir::kS2C, d.text.s2c_binary, "bytes after the text exchange");
    finish_direction(d.c2s);
    finish_direction(d.s2c);
    return d;
  }
  dissect_binary(d);
  return d;
}

Dissection dissect_rsh_session(StreamBuffer c2s, StreamBuffer s2c,
                               const std::vector<std::string>& server_args) {
  Dissection d;
  d.c2s.raw = std::move(c2s);
  d.s2c.raw = std::move(s2c);
  Status st = parse_rsh_start(d.c2s.raw, d.s2c.raw, server_args, &d.text);
  if (!st.ok()) {
    all_undecoded(d, st);
    return d;
  }
  d.remote_shell = true;
  rsh_start_elements(d.text, &d.c2s.elements, &d.s2c.elements);
  dissect_binary(d);
  return d;
}

}  // namespace crsync::pcap
