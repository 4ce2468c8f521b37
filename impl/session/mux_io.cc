#include "session/mux_io.h"

#include <algorithm>
#include <cstring>

#include "wire/primitives.h"

namespace crsync::session {

Status MuxIn::read_raw(uint8_t* out, size_t n) {
  while (raw_.size() - raw_pos_ < n) {
    if (raw_pos_ > 0 && raw_pos_ == raw_.size()) {
      raw_.clear();
      raw_pos_ = 0;
    }
    uint8_t buf[64 * 1024];
    size_t k = 0;
    if (before_block_) before_block_();
    CRSYNC_RETURN_IF_ERROR(ch_.read_some(buf, sizeof buf, &k));
    if (k == 0) {
      eof_ = true;
      return Status::Stream("connection unexpectedly closed");
    }
    total_read_ += k;
    raw_.insert(raw_.end(), buf, buf + k);
  }
  std::memcpy(out, raw_.data() + raw_pos_, n);
  raw_pos_ += n;
  return Status::Ok();
}

void MuxIn::set_multiplexed(bool on) {
  if (on && !mux_ && pos_ < data_.size()) {
    Bytes rest(data_.begin() + static_cast<std::ptrdiff_t>(pos_), data_.end());
    rest.insert(rest.end(), raw_.begin() + static_cast<std::ptrdiff_t>(raw_pos_), raw_.end());
    raw_ = std::move(rest);
    raw_pos_ = 0;
    data_.clear();
    pos_ = 0;
  }
  mux_ = on;
}

Status MuxIn::fill() {
  if (pos_ > 0 && pos_ * 2 >= data_.size()) {
    data_.erase(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  if (!mux_) {
    // Raw mode: move whatever raw bytes are buffered, else read some.
    if (raw_pos_ == raw_.size()) {
      uint8_t buf[64 * 1024];
      size_t k = 0;
      if (before_block_) before_block_();
      CRSYNC_RETURN_IF_ERROR(ch_.read_some(buf, sizeof buf, &k));
      if (k == 0) {
        eof_ = true;
        return Status::Stream("connection unexpectedly closed");
      }
      total_read_ += k;
      data_.insert(data_.end(), buf, buf + k);
      return Status::Ok();
    }
    data_.insert(data_.end(), raw_.begin() + static_cast<std::ptrdiff_t>(raw_pos_), raw_.end());
    raw_.clear();
    raw_pos_ = 0;
    return Status::Ok();
  }
  for (;;) {
    uint8_t hdr[4];
    CRSYNC_RETURN_IF_ERROR(read_raw(hdr, 4));
    ByteReader hr{ByteSpan(hdr, 4)};
    wire::MplexHeader h;
    CRSYNC_RETURN_IF_ERROR(wire::get_mplex_header(hr, &h));
    CRSYNC_RETURN_IF_ERROR(wire::check_incoming_frame(h, me_, protocol_));
    if (h.code == static_cast<uint8_t>(wire::MsgCode::kData)) {
      if (h.length == 0) continue;  // keepalive
      const size_t old = data_.size();
      data_.resize(old + h.length);
      CRSYNC_RETURN_IF_ERROR(read_raw(data_.data() + old, h.length));
      return Status::Ok();
    }
    Bytes payload(h.length);
    CRSYNC_RETURN_IF_ERROR(read_raw(payload.data(), h.length));
    if (handler_)
      CRSYNC_RETURN_IF_ERROR(handler_(static_cast<wire::MsgCode>(h.code), ByteSpan(payload)));
  }
}

bool MuxIn::at_eof() {
  if (pos_ < data_.size()) return false;
  if (!eof_) {
    Status s = fill();
    if (s.ok()) return false;
  }
  return eof_ && pos_ >= data_.size();
}

Status MuxIn::read_bytes(uint8_t* out, size_t n) {
  while (data_.size() - pos_ < n) CRSYNC_RETURN_IF_ERROR(fill());
  std::memcpy(out, data_.data() + pos_, n);
  pos_ += n;
  data_read_ += n;
  return Status::Ok();
}

Status MuxIn::read_int32(int32_t* v) {
  return decode([&](ByteReader& r) { return wire::get_int32(r, v); });
}
Status MuxIn::read_int16(uint16_t* v) {
  return decode([&](ByteReader& r) { return wire::get_int16(r, v); });
}
Status MuxIn::read_byte(uint8_t* v) {
  return decode([&](ByteReader& r) { return wire::get_byte(r, v); });
}
Status MuxIn::read_varint(int32_t* v) {
  return decode([&](ByteReader& r) { return wire::get_varint(r, v); });
}
Status MuxIn::read_varlong(int min_bytes, int64_t* v) {
  return decode([&](ByteReader& r) { return wire::get_varlong(r, min_bytes, v); });
}

Status MuxOut::set_multiplexed(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  CRSYNC_RETURN_IF_ERROR(flush_locked());
  mux_ = on;
  return Status::Ok();
}

Status MuxOut::write(ByteSpan data) {
  std::lock_guard<std::mutex> lock(mu_);
  data_written_ += data.size();
  pending_.insert(pending_.end(), data.begin(), data.end());
  if (pending_.size() >= kFrameTarget) return flush_locked();
  return Status::Ok();
}

Status MuxOut::flush_locked() {
  if (pending_.empty()) return Status::Ok();
  if (!mux_) {
    CRSYNC_RETURN_IF_ERROR(ch_.write_all(ByteSpan(pending_)));
    total_written_ += pending_.size();
    pending_.clear();
    return Status::Ok();
  }
  ByteWriter w;
  size_t off = 0;
  while (off < pending_.size()) {
    const size_t n = std::min<size_t>(pending_.size() - off, wire::kMaxMplexPayload);
    wire::put_mplex_frame(w, wire::MsgCode::kData, ByteSpan(pending_.data() + off, n));
    off += n;
  }
  pending_.clear();
  total_written_ += w.size();
  return ch_.write_all(ByteSpan(w.bytes()));
}

Status MuxOut::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  return flush_locked();
}

Status MuxOut::send_msg(wire::MsgCode code, ByteSpan payload, bool ahead_of_data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ahead_of_data) CRSYNC_RETURN_IF_ERROR(flush_locked());
  ByteWriter w;
  wire::put_mplex_frame(w, code, payload);
  total_written_ += w.size();
  return ch_.write_all(ByteSpan(w.bytes()));
}

}  // namespace crsync::session
