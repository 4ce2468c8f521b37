#include "wire/primitives.h"

#include <array>

#include "base/check.h"
#include "wire/protocol_format.h"

namespace crsync::wire {
namespace {

// Number of extra bytes announced by a varint/varlong lead byte: the count of
// leading one bits (upstream keeps this as the table int_byte_extra[64],
// indexed by lead/4; 0xFC..0xFF all mean 6).
int extra_bytes(uint8_t lead) {
  int n = 0;
  while (n < 6 && (lead & (0x80u >> n))) ++n;
  return n;
}

// Shared encoder for varint (min 1, width 4) and varlong (min m, width 8).
// `le` holds the value's bytes, least significant first, in le[0..width-1].
void put_var(ByteWriter& w, const uint8_t* le, int width, int min_bytes) {
  // cnt = number of value bytes kept (the top one goes into the lead byte
  // when it fits under the unary marker).
  int cnt = width;
  while (cnt > min_bytes && le[cnt - 1] == 0) --cnt;
  const int extra = cnt - min_bytes;  // extra bytes if the top byte fits the lead
  const uint8_t marker_room = static_cast<uint8_t>(1u << (7 - extra));  // "bit"
  uint8_t top = le[cnt - 1];
  uint8_t out[10];
  int n = 0;
  if (top >= marker_room) {
    // The top byte does not fit beside the marker: it becomes an extra byte
    // and the lead carries only the (one longer) unary count.
    out[n++] = static_cast<uint8_t>(~(marker_room - 1));
    for (int i = 0; i < cnt; ++i) out[n++] = le[i];
  } else if (extra > 0) {
    out[n++] = static_cast<uint8_t>(top | static_cast<uint8_t>(~(marker_room * 2 - 1)));
    for (int i = 0; i < cnt - 1; ++i) out[n++] = le[i];
  } else {
    out[n++] = top;
    for (int i = 0; i < cnt - 1; ++i) out[n++] = le[i];
  }
  w.append(ByteSpan(out, static_cast<size_t>(n)));
}

}  // namespace

void put_byte(ByteWriter& w, uint8_t v) {
  w.u8(v);
}
void put_int16(ByteWriter& w, uint16_t v) {
  w.le16(v);
}
void put_int32(ByteWriter& w, int32_t v) {
  w.le32(static_cast<uint32_t>(v));
}

void put_longint(ByteWriter& w, int64_t v) {
  if (v >= 0 && v <= 0x7FFFFFFF) {
    w.le32(static_cast<uint32_t>(v));
    return;
  }
  w.le32(0xFFFFFFFFu);
  w.le64(static_cast<uint64_t>(v));
}

void put_varint(ByteWriter& w, int32_t v) {
  uint8_t le[4];
  auto u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) le[i] = static_cast<uint8_t>(u >> (8 * i));
  put_var(w, le, 4, 1);
}

void put_varlong(ByteWriter& w, int64_t v, int min_bytes) {
  CRSYNC_ASSERT(min_bytes >= 1 && min_bytes <= 8);
  uint8_t le[8];
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(u >> (8 * i));
  put_var(w, le, 8, min_bytes);
}

Status put_vstring(ByteWriter& w, std::string_view s) {
  if (s.size() > static_cast<size_t>(kMaxVstringLen)) {
    return Status::Protocol("attempting to send over-long vstring (" + std::to_string(s.size()) +
                            " > 32767)");
  }
  if (s.size() > 0x7F) w.u8(static_cast<uint8_t>(s.size() / 0x100 + 0x80));
  w.u8(static_cast<uint8_t>(s.size() & 0xFF));
  w.append(s);
  return Status::Ok();
}

void put_varint30(ByteWriter& w, int32_t v, int protocol) {
  if (protocol < 30)
    put_int32(w, v);
  else
    put_varint(w, v);
}

void put_varlong30(ByteWriter& w, int64_t v, int min_bytes, int protocol) {
  if (protocol < 30)
    put_longint(w, v);
  else
    put_varlong(w, v, min_bytes);
}

Status get_byte(ByteReader& r, uint8_t* out) {
  return r.u8(out);
}
Status get_int16(ByteReader& r, uint16_t* out) {
  return r.le16(out);
}

Status get_int32(ByteReader& r, int32_t* out) {
  uint32_t u = 0;
  CRSYNC_RETURN_IF_ERROR(r.le32(&u));
  *out = static_cast<int32_t>(u);
  return Status::Ok();
}

Status get_longint(ByteReader& r, int64_t* out) {
  int32_t v = 0;
  CRSYNC_RETURN_IF_ERROR(get_int32(r, &v));
  if (v != -1) {
    *out = v;
    return Status::Ok();
  }
  uint64_t u = 0;
  CRSYNC_RETURN_IF_ERROR(r.le64(&u));
  *out = static_cast<int64_t>(u);
  return Status::Ok();
}

Status get_varint(ByteReader& r, int32_t* out) {
  uint8_t lead = 0;
  CRSYNC_RETURN_IF_ERROR(r.u8(&lead));
  const int extra = extra_bytes(lead);
  CRSYNC_PEER_CHECK(extra < 5, ExitCode::kStreamIo, "Overflow in read_varint()");
  uint8_t b[5] = {0, 0, 0, 0, 0};
  if (extra) {
    CRSYNC_RETURN_IF_ERROR(r.copy(b, static_cast<size_t>(extra)));
    b[extra] = static_cast<uint8_t>(lead & ((1u << (8 - extra)) - 1));
  } else {
    b[0] = lead;
  }
  // Upstream reads into a 5-byte union and keeps the low 4: with 4 extra
  // bytes the lead's payload bits fall off the top.
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u |= static_cast<uint32_t>(b[i]) << (8 * i);
  *out = static_cast<int32_t>(u);
  return Status::Ok();
}

Status get_varlong(ByteReader& r, int min_bytes, int64_t* out) {
  CRSYNC_ASSERT(min_bytes >= 1 && min_bytes <= 8);
  uint8_t head[8];
  CRSYNC_RETURN_IF_ERROR(r.copy(head, static_cast<size_t>(min_bytes)));
  const uint8_t lead = head[0];
  const int extra = extra_bytes(lead);
  CRSYNC_PEER_CHECK(min_bytes + extra <= 9, ExitCode::kStreamIo, "Overflow in read_varlong()");
  uint8_t b[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 1; i < min_bytes; ++i) b[i - 1] = head[i];
  if (extra) {
    CRSYNC_RETURN_IF_ERROR(r.copy(b + min_bytes - 1, static_cast<size_t>(extra)));
    b[min_bytes + extra - 1] = static_cast<uint8_t>(lead & ((1u << (8 - extra)) - 1));
  } else {
    b[min_bytes - 1] = lead;
  }
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(b[i]) << (8 * i);
  *out = static_cast<int64_t>(u);
  return Status::Ok();
}

Status get_vstring(ByteReader& r, size_t max_len, std::string* out) {
  uint8_t b = 0;
  CRSYNC_RETURN_IF_ERROR(r.u8(&b));
  size_t len = b;
  if (len & 0x80) {
    uint8_t lo = 0;
    CRSYNC_RETURN_IF_ERROR(r.u8(&lo));
    len = (len & 0x7F) * 0x100 + lo;
  }
  CRSYNC_PEER_CHECK(len < max_len, ExitCode::kStreamIo,
                    "over-long vstring received (" + std::to_string(len) + " > " +
                        std::to_string(max_len ? max_len - 1 : 0) + ")");
  ByteSpan s;
  CRSYNC_RETURN_IF_ERROR(r.take(len, &s));
  out->assign(as_chars(s));
  return Status::Ok();
}

Status get_varint30(ByteReader& r, int protocol, int32_t* out) {
  return protocol < 30 ? get_int32(r, out) : get_varint(r, out);
}

Status get_varlong30(ByteReader& r, int min_bytes, int protocol, int64_t* out) {
  return protocol < 30 ? get_longint(r, out) : get_varlong(r, min_bytes, out);
}

size_t varint_size(int32_t v) {
  ByteWriter w;
  put_varint(w, v);
  return w.size();
}

size_t varlong_size(int64_t v, int min_bytes) {
  ByteWriter w;
  put_varlong(w, v, min_bytes);
  return w.size();
}

}  // namespace crsync::wire
