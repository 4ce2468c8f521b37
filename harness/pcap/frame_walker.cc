#include "pcap/frame_walker.h"

#include <algorithm>

#include "wire/mplex.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {

void DataMap::add(uint64_t data_off, uint64_t raw_off, uint64_t len) {
  if (len) pieces_.push_back({data_off, raw_off, len});
}

uint64_t DataMap::raw_offset(uint64_t data_off) const {
  if (pieces_.empty()) return 0;
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), data_off,
                             [](uint64_t v, const Piece& p) { return v < p.data_off; });
  if (it == pieces_.begin()) return pieces_.front().raw_off;
  --it;
  if (data_off >= it->data_off + it->len) return it->raw_off + it->len;  // the end
  return it->raw_off + (data_off - it->data_off);
}

void decode_message(uint8_t code, ByteSpan payload, Element& e) {
  using wire::MsgCode;
  const auto c = static_cast<MsgCode>(code);
  switch (c) {
    case MsgCode::kErrorXfer:
    case MsgCode::kInfo:
    case MsgCode::kError:
    case MsgCode::kWarning:
    case MsgCode::kErrorSocket:
    case MsgCode::kLog:
    case MsgCode::kClient:
    case MsgCode::kErrorUtf8: {
      std::string text(as_chars(payload));
      if (!text.empty() && text.back() == '\n') text.pop_back();
      e.add("text", text);
      return;
    }
    case MsgCode::kDeleted: {
      std::string name(as_chars(payload));
      while (!name.empty() && name.back() == '\0') name.pop_back();
      e.add("name", name);
      return;
    }
    case MsgCode::kIoError:
    case MsgCode::kIoTimeout:
    case MsgCode::kRedo:
    case MsgCode::kSuccess:
    case MsgCode::kNoSend:
    case MsgCode::kErrorExit: {
      ByteReader r(payload);
      int32_t v = 0;
      if (payload.size() >= 4 && wire::get_int32(r, &v).ok()) e.add("value", std::to_string(v));
      if (payload.size() != 4) e.add("length", std::to_string(payload.size()));
      return;
    }
    default: e.add("length", std::to_string(payload.size())); return;
  }
}

namespace {

void walk(ByteSpan raw, size_t start, Dir dir, Spool& data, Demultiplexed* out) {
  ByteReader r(raw);
  r.seek(start);
  while (!r.empty()) {
    const size_t at = r.pos();
    wire::MplexHeader h;
    Status st = wire::get_mplex_header(r, &h);
    ByteSpan payload;
    if (st.ok() && r.remaining() < h.length) {
      // A cut last frame: what there is of its payload is still decoded.
      Element e;
      e.dir = dir;
      e.kind = "frame";
      e.subject = std::string(wire::msg_name(h.code));
      e.offset = e.data_offset = at;
      e.length = e.data_length = 4;
      e.in_l1 = e.in_l2 = false;
      e.undecoded = true;
      e.add("length", std::to_string(h.length));
      e.add("reason", "stream ends inside the frame, " + std::to_string(r.remaining()) +
                          " of its bytes present");
      out->elements.push_back(std::move(e));
      if (h.code == static_cast<uint8_t>(wire::MsgCode::kData)) {
        out->map.add(data.size(), at + 4, r.remaining());
        data.append(r.rest());
      } else {
        Element u;
        u.dir = dir;
        u.kind = "undecoded";
        u.offset = u.data_offset = at + 4;
        u.length = u.data_length = r.remaining();
        u.undecoded = true;
        u.add("reason", "part of a message");
        if (u.length) out->elements.push_back(std::move(u));
      }
      return;
    }
    if (st.ok()) st = r.take(h.length, &payload);
    if (!st.ok()) {
      Element e;
      e.dir = dir;
      e.kind = "undecoded";
      e.offset = e.data_offset = at;
      e.length = e.data_length = raw.size() - at;
      e.undecoded = true;
      e.add("reason", st.need_more() ? "stream ends inside a frame" : st.to_string());
      out->elements.push_back(std::move(e));
      return;
    }
    Element e;
    e.dir = dir;
    e.offset = at;
    e.subject = std::string(wire::msg_name(h.code));
    if (h.code == static_cast<uint8_t>(wire::MsgCode::kData)) {
      e.kind = "frame";
      e.length = 4;
      e.data_offset = at;
      e.data_length = 4;
      e.in_l1 = e.in_l2 = false;
      e.add("length", std::to_string(h.length));
      if (h.length == 0) e.add("keepalive", "empty MSG_DATA");
      out->map.add(data.size(), at + 4, h.length);
      data.append(payload);
    } else {
      e.kind = "message";
      e.length = 4 + h.length;
      e.data_offset = at + 4;
      e.data_length = h.length;
      e.track = Track::kMessages;
      if (h.code == static_cast<uint8_t>(wire::MsgCode::kNoop)) {
        e.in_l1 = e.in_l2 = false;
        e.add("keepalive", "MSG_NOOP");
      }
      if (!wire::msg_spec(h.code)) e.add("code", std::to_string(h.code));
      decode_message(h.code, payload, e);
    }
    out->elements.push_back(std::move(e));
    note_read_progress(4 + h.length);
  }
}

}  // namespace

void walk_frames(ByteSpan raw, size_t start, Dir dir, Demultiplexed* out) {
  Spool data;
  walk(raw, start, dir, data, out);
  out->data = data.finish();
}

void plain_stream(ByteSpan raw, size_t start, Demultiplexed* out) {
  if (start >= raw.size()) return;
  out->map.add(0, start, raw.size() - start);
  Spool data;
  constexpr size_t kStep = size_t{4} << 20;
  for (size_t at = start; at < raw.size(); at += kStep) {
    const size_t n = std::min(kStep, raw.size() - at);
    data.append(raw.subspan(at, n));
    note_read_progress(n);
  }
  out->data = data.finish();
}

}  // namespace crsync::pcap
