// Byte buffers for codecs that do no I/O: a ByteReader walks a span of input
// and answers need-more (never over-reads) when it runs out; a ByteWriter
// appends to a growable buffer. Drivers (blocking today, Asio later) own the
// sockets and feed both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace crsync {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(ByteSpan data) : data_(data) {}

  size_t pos() const { return pos_; }
  size_t size() const { return data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  // Rewinds to a position taken with pos(): how a caller undoes a partly
  // decoded element after need-more.
  void seek(size_t pos) { pos_ = pos <= data_.size() ? pos : data_.size(); }
  ByteSpan rest() const { return data_.subspan(pos_); }

  Status take(size_t n, ByteSpan* out) {
    if (remaining() < n) return Status::NeedMore();
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  Status copy(void* dst, size_t n) {
    if (remaining() < n) return Status::NeedMore();
    if (n) std::memcpy(dst, data_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  Status skip(size_t n) {
    if (remaining() < n) return Status::NeedMore();
    pos_ += n;
    return Status::Ok();
  }
  Status u8(uint8_t* out) {
    if (remaining() < 1) return Status::NeedMore();
    *out = data_[pos_++];
    return Status::Ok();
  }
  // Little-endian fixed-width reads.
  Status le16(uint16_t* out) { return le<uint16_t>(out); }
  Status le32(uint32_t* out) { return le<uint32_t>(out); }
  Status le64(uint64_t* out) { return le<uint64_t>(out); }

 private:
  template <typename T>
  Status le(T* out) {
    if (remaining() < sizeof(T)) return Status::NeedMore();
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(data_[pos_ + i]) << (8 * i);
    pos_ += sizeof(T);
    *out = v;
    return Status::Ok();
  }

  ByteSpan data_;
  size_t pos_ = 0;
};

class ByteWriter {
 public:
  ByteWriter() = default;

  const Bytes& bytes() const { return buf_; }
  Bytes take() { return std::move(buf_); }
  size_t size() const { return buf_.size(); }
  void clear() { buf_.clear(); }

  void u8(uint8_t v) { buf_.push_back(v); }
  void le16(uint16_t v) { le(v); }
  void le32(uint32_t v) { le(v); }
  void le64(uint64_t v) { le(v); }
  void append(ByteSpan b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void append(std::string_view s) { append(as_bytes(s)); }

 private:
  template <typename T>
  void le(T v) {
    for (size_t i = 0; i < sizeof(T); ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes buf_;
};

}  // namespace crsync
