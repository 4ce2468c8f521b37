// The blocking driver's view of one connection: MuxIn reads the peer's
// stream (demultiplexing it once multiplexing is on) and MuxOut writes ours
// (framing data as MSG_DATA once on). Role logic decodes with the pure
// codecs through MuxIn::decode, which retries a decoder after reading more
// bytes whenever it answers need-more; so the same codecs serve an async
// driver that feeds bytes as they arrive.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "base/bytes.h"
#include "base/status.h"
#include "transport/byte_channel.h"
#include "wire/mplex.h"

namespace crsync::session {

class MuxIn {
 public:
  // A non-data message: return an error Status to abort the session.
  using MessageHandler = std::function<Status(wire::MsgCode code, ByteSpan payload)>;

  MuxIn(transport::ByteChannel& ch, wire::MplexEndpoint me, int protocol)
      : ch_(ch), me_(me), protocol_(protocol) {}

  void set_protocol(int protocol) { protocol_ = protocol; }
  // Switching to multiplexed input re-reads as frames whatever raw bytes
  // were buffered beyond the last one consumed (a peer may send its first
  // frames right behind the handshake).
  void set_multiplexed(bool on);
  bool multiplexed() const { return mux_; }
  void set_message_handler(MessageHandler h) { handler_ = std::move(h); }
  // Called before every read that may block: a role that waits for its
  // peer flushes what it has written first (upstream's perform_io writes
  // out pending output whenever it waits for input).
  void set_before_block(std::function<void()> f) { before_block_ = std::move(f); }

  // Runs `decode(ByteReader&)` over the buffered data stream, reading more
  // input until it answers something other than need-more. What it consumed
  // is dropped from the buffer.
  template <typename F>
  Status decode(F&& decode_fn) {
    for (;;) {
      ByteReader r{ByteSpan(data_.data() + pos_, end_ - pos_)};
      Status s = decode_fn(r);
      if (!s.need_more()) {
        if (s.ok()) {
          pos_ += r.pos();
          data_read_ += r.pos();
        }
        return s;
      }
      CRSYNC_RETURN_IF_ERROR(fill());
    }
  }

  Status read_bytes(uint8_t* out, size_t n);
  Status read_int32(int32_t* v);
  Status read_int16(uint16_t* v);
  Status read_byte(uint8_t* v);
  Status read_varint(int32_t* v);
  Status read_varlong(int min_bytes, int64_t* v);

  // Raw bytes read from the channel (frame headers included), for --stats.
  uint64_t total_read() const { return total_read_; }
  // Upstream counts the bytes of a session only from the end of the
  // protocol set-up (its buffered I/O starts there): what the handshake
  // consumed is forgotten, what was read ahead of it still counts.
  void start_counting() { total_read_ = (raw_end_ - raw_pos_) + (end_ - pos_); }
  // Data-stream bytes consumed so far (upstream total_data_read: no frame
  // headers, no messages), for --out-format's %b/%c.
  uint64_t data_read() const { return data_read_; }
  // True once the peer closed the connection and every buffered byte is used.
  bool at_eof();
  // Bytes the peer sent that were read from the channel but not consumed.
  bool has_unconsumed() const { return raw_pos_ < raw_end_ || pos_ < end_; }
  // Bytes of buffer held (both buffers' capacity), for tests.
  size_t buffer_capacity() const { return data_.capacity() + raw_.capacity(); }

 private:
  // Reads at most this much from the channel at once into raw_; a larger
  // read of frame bytes goes straight to its destination.
  static constexpr size_t kRawChunk = 64 * 1024;

  // Appends at least one data byte to data_ (handling messages on the way).
  Status fill();
  // Exactly n raw bytes: the buffered ones first, then from the channel.
  Status read_raw(uint8_t* out, size_t n);
  // Some bytes from the channel (eof_ and an error when it is closed).
  Status read_channel(uint8_t* out, size_t cap, size_t* got);
  // Room for n more bytes at data_'s end: moves the unconsumed bytes to the
  // front first, grows only when that is not enough.
  void reserve_data(size_t n);

  transport::ByteChannel& ch_;
  wire::MplexEndpoint me_;
  int protocol_;
  bool mux_ = false;
  MessageHandler handler_;
  std::function<void()> before_block_;
  // Demultiplexed data not yet consumed: data_[pos_, end_). data_'s size is
  // its capacity; every byte is copied into it once and read from it in
  // place, so consuming is O(1) and the capacity only grows to the largest
  // frame plus one partly decoded item.
  Bytes data_;
  size_t pos_ = 0;
  size_t end_ = 0;
  // Raw channel bytes not yet parsed: raw_[raw_pos_, raw_end_). The
  // channel is read into raw_ only when it is empty.
  Bytes raw_;
  size_t raw_pos_ = 0;
  size_t raw_end_ = 0;
  bool eof_ = false;
  uint64_t total_read_ = 0;
  uint64_t data_read_ = 0;
};

class MuxOut {
 public:
  static constexpr size_t kFrameTarget = 32 * 1024;

  MuxOut(transport::ByteChannel& ch, int protocol)
      : ch_(ch), protocol_(protocol), pending_(kHeadroom) {}

  void set_protocol(int protocol) { protocol_ = protocol; }
  // Switching on flushes whatever was written raw before.
  Status set_multiplexed(bool on);
  bool multiplexed() const { return mux_; }

  // Protocol data. Buffered; thread-safe.
  Status write(ByteSpan data);
  // Buffers protocol data without flushing however much is pending: a
  // writer that builds one unit from pieces appends them, then calls
  // write({}) where it would have written the whole unit.
  void append(ByteSpan data);
  Status write(const ByteWriter& w) { return write(ByteSpan(w.bytes())); }
  // A message frame (multiplexed mode only). Pending data goes first, unless
  // `ahead_of_data`: then the frame is written at once and buffered data
  // follows (upstream keeps messages in a separate buffer that it flushes
  // first, which is why a server's deletions reach the client before the
  // item lines the generator wrote earlier).
  Status send_msg(wire::MsgCode code, ByteSpan payload, bool ahead_of_data = false);
  Status flush();
  void close() { ch_.close_write(); }

  uint64_t total_written() const { return total_written_; }
  // See MuxIn::start_counting: call with nothing pending.
  void start_counting() { total_written_ = 0; }
  // Data-stream bytes written so far (upstream total_data_written).
  uint64_t data_written() const { return data_written_; }
  // Counts bytes as written that never went through (a local copy's
  // bridged file: session/local_bridge.h), so the totals read as if they had.
  void count_unsent(uint64_t n) {
    total_written_ += n;
    data_written_ += n;
  }

 private:
  // pending_ starts with room for a frame header, so a flush frames the
  // buffered data in place instead of copying it behind a header.
  static constexpr size_t kHeadroom = 4;

  Status flush_locked();
  transport::ByteChannel& ch_;
  int protocol_;
  bool mux_ = false;
  std::mutex mu_;
  Bytes pending_;  // kHeadroom bytes, then the data not yet written
  uint64_t total_written_ = 0;
  uint64_t data_written_ = 0;
};

}  // namespace crsync::session
