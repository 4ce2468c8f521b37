#include "session/mux_io.h"

#include <algorithm>
#include <cstring>

#include "wire/primitives.h"

namespace crsync::session {

Status MuxIn::read_channel(uint8_t* out, size_t cap, size_t* got) {
  if (before_block_) before_block_();
  CRSYNC_RETURN_IF_ERROR(ch_.read_some(out, cap, got));
  if (*got == 0) {
    eof_ = true;
    return Status::Stream("connection unexpectedly closed");
  }
  total_read_ += *got;
  return Status::Ok();
}

Status MuxIn::read_raw(uint8_t* out, size_t n) {
  const size_t have = std::min(n, raw_end_ - raw_pos_);
  if (have) {
    std::memcpy(out, raw_.data() + raw_pos_, have);
    raw_pos_ += have;
    out += have;
    n -= have;
  }
  if (n == 0) return Status::Ok();
  // raw_ is used up: a large remainder (a data frame's payload) is read
  // straight into place, a small one through raw_.
  raw_pos_ = raw_end_ = 0;
  while (n >= kRawChunk / 4) {
    size_t k = 0;
    CRSYNC_RETURN_IF_ERROR(read_channel(out, n, &k));
    out += k;
    n -= k;
  }
  if (raw_.size() < kRawChunk) raw_.resize(kRawChunk);
  while (n > 0) {
    size_t k = 0;
    CRSYNC_RETURN_IF_ERROR(read_channel(raw_.data(), raw_.size(), &k));
    const size_t take = std::min(n, k);
    std::memcpy(out, raw_.data(), take);
    raw_pos_ = take;
    raw_end_ = k;
    out += take;
    n -= take;
  }
  return Status::Ok();
}

void MuxIn::reserve_data(size_t n) {
  if (pos_ == end_) pos_ = end_ = 0;
  if (data_.size() - end_ >= n) return;
  if (pos_ > 0) {
    std::memmove(data_.data(), data_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (data_.size() - end_ < n) data_.resize(std::max({data_.size() * 2, end_ + n, kRawChunk}));
}

void MuxIn::set_multiplexed(bool on) {
  if (on && !mux_ && pos_ < end_) {
    const auto at = [](const Bytes& b, size_t i) {
      return b.begin() + static_cast<std::ptrdiff_t>(i);
    };
    Bytes rest(at(data_, pos_), at(data_, end_));
    rest.insert(rest.end(), at(raw_, raw_pos_), at(raw_, raw_end_));
    raw_ = std::move(rest);
    raw_pos_ = 0;
    raw_end_ = raw_.size();
    pos_ = end_ = 0;
  }
  mux_ = on;
}

Status MuxIn::fill() {
  if (!mux_) {
    // Raw mode: move whatever raw bytes are buffered, else read some.
    if (raw_pos_ < raw_end_) {
      const size_t n = raw_end_ - raw_pos_;
      reserve_data(n);
      std::memcpy(data_.data() + end_, raw_.data() + raw_pos_, n);
      end_ += n;
      raw_pos_ = raw_end_ = 0;
      return Status::Ok();
    }
    reserve_data(kRawChunk);
    size_t k = 0;
    CRSYNC_RETURN_IF_ERROR(read_channel(data_.data() + end_, data_.size() - end_, &k));
    end_ += k;
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
      reserve_data(h.length);
      CRSYNC_RETURN_IF_ERROR(read_raw(data_.data() + end_, h.length));
      end_ += h.length;
      return Status::Ok();
    }
    Bytes payload(h.length);
    CRSYNC_RETURN_IF_ERROR(read_raw(payload.data(), h.length));
    if (handler_)
      CRSYNC_RETURN_IF_ERROR(handler_(static_cast<wire::MsgCode>(h.code), ByteSpan(payload)));
  }
}

bool MuxIn::at_eof() {
  if (pos_ < end_) return false;
  if (!eof_) {
    Status s = fill();
    if (s.ok()) return false;
  }
  return eof_ && pos_ >= end_;
}

Status MuxIn::read_bytes(uint8_t* out, size_t n) {
  while (end_ - pos_ < n) CRSYNC_RETURN_IF_ERROR(fill());
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
  if (pending_.size() - kHeadroom >= kFrameTarget) return flush_locked();
  return Status::Ok();
}

void MuxOut::append(ByteSpan data) {
  std::lock_guard<std::mutex> lock(mu_);
  data_written_ += data.size();
  pending_.insert(pending_.end(), data.begin(), data.end());
}

Status MuxOut::flush_locked() {
  const size_t n = pending_.size() - kHeadroom;
  if (n == 0) return Status::Ok();
  const ByteSpan data(pending_.data() + kHeadroom, n);
  Status s;
  if (!mux_) {
    s = ch_.write_all(data);
    if (s.ok()) total_written_ += n;
  } else if (n <= wire::kMaxMplexPayload) {
    ByteWriter h;
    wire::put_mplex_header(h, wire::MsgCode::kData, static_cast<uint32_t>(n));
    std::copy(h.bytes().begin(), h.bytes().end(), pending_.begin());
    total_written_ += pending_.size();
    // (The in-memory pipe takes the buffer itself; pending_ may come back
    // as another buffer, resized below.)
    s = ch_.write_buffer(&pending_);
  } else {
    ByteWriter w;
    size_t off = 0;
    while (off < n) {
      const size_t k = std::min<size_t>(n - off, wire::kMaxMplexPayload);
      wire::put_mplex_frame(w, wire::MsgCode::kData, data.subspan(off, k));
      off += k;
    }
    total_written_ += w.size();
    s = ch_.write_all(ByteSpan(w.bytes()));
  }
  pending_.resize(kHeadroom);
  return s;
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
