#include "wire/ndx_codec.h"

#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::wire {

void NdxEncoder::put(ByteWriter& w, int32_t ndx) {
  if (protocol_ < 30) {
    put_int32(w, ndx);
    return;
  }
  if (ndx == kNdxDone) {
    w.u8(0);
    return;
  }
  int32_t diff = 0;
  int32_t magnitude = ndx;
  if (ndx >= 0) {
    diff = ndx - prev_positive_;
    prev_positive_ = ndx;
  } else {
    w.u8(0xFF);
    magnitude = -ndx;
    diff = magnitude - prev_negative_;
    prev_negative_ = magnitude;
  }
  if (diff > 0 && diff < 0xFE) {
    w.u8(static_cast<uint8_t>(diff));
  } else if (diff < 0 || diff > 0x7FFF) {
    // Absolute form: 0xFE, then the value with bit 31 moved to the first
    // byte's high bit: b3|0x80, b0, b1, b2.
    auto u = static_cast<uint32_t>(magnitude);
    w.u8(0xFE);
    w.u8(static_cast<uint8_t>((u >> 24) | 0x80));
    w.u8(static_cast<uint8_t>(u));
    w.u8(static_cast<uint8_t>(u >> 8));
    w.u8(static_cast<uint8_t>(u >> 16));
  } else {
    // Diff of 0 or 254..32767: 0xFE and the diff big-endian.
    w.u8(0xFE);
    w.u8(static_cast<uint8_t>(diff >> 8));
    w.u8(static_cast<uint8_t>(diff));
  }
}

Status NdxDecoder::get(ByteReader& r, int32_t* ndx) {
  if (protocol_ < 30) return get_int32(r, ndx);

  uint8_t b = 0;
  CRSYNC_RETURN_IF_ERROR(r.u8(&b));
  bool negative = false;
  if (b == 0xFF) {
    negative = true;
    CRSYNC_RETURN_IF_ERROR(r.u8(&b));
  } else if (b == 0) {
    *ndx = kNdxDone;
    return Status::Ok();
  }
  int32_t& prev = negative ? prev_negative_ : prev_positive_;
  uint32_t num = 0;
  if (b == 0xFE) {
    uint8_t x[2];
    CRSYNC_RETURN_IF_ERROR(r.copy(x, 2));
    if (x[0] & 0x80) {
      uint8_t y[2];
      CRSYNC_RETURN_IF_ERROR(r.copy(y, 2));
      num = static_cast<uint32_t>(x[1]) | (static_cast<uint32_t>(y[0]) << 8) |
            (static_cast<uint32_t>(y[1]) << 16) | (static_cast<uint32_t>(x[0] & 0x7F) << 24);
    } else {
      num = (static_cast<uint32_t>(x[0]) << 8) + x[1] + static_cast<uint32_t>(prev);
    }
  } else {
    num = b + static_cast<uint32_t>(prev);
  }
  // Arithmetic is modulo 2^32 as in upstream; range checks belong to the
  // caller, which knows the file lists.
  prev = static_cast<int32_t>(num);
  *ndx = negative ? static_cast<int32_t>(0u - num) : static_cast<int32_t>(num);
  return Status::Ok();
}

}  // namespace crsync::wire
