#include "session/mux_io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "wire/mplex.h"
#include "wire/primitives.h"

namespace crsync::session {
namespace {

// Hands out a fixed byte stream in chunks of the given sizes (cycled), at
// most what the reader asks for; then EOF.
class ChunkedChannel : public transport::ByteChannel {
 public:
  ChunkedChannel(Bytes stream, std::vector<size_t> chunks)
      : stream_(std::move(stream)), chunks_(std::move(chunks)) {}
  Status read_some(uint8_t* buf, size_t cap, size_t* n) override {
    const size_t want = chunks_[next_++ % chunks_.size()];
    const size_t k = std::min({cap, want, stream_.size() - pos_});
    std::copy_n(stream_.data() + pos_, k, buf);
    pos_ += k;
    *n = k;
    ++reads_;
    return Status::Ok();
  }
  Status write_all(ByteSpan) override { return Status::Ok(); }
  void close_write() override {}
  size_t reads() const { return reads_; }

 private:
  Bytes stream_;
  std::vector<size_t> chunks_;
  size_t pos_ = 0;
  size_t next_ = 0;
  size_t reads_ = 0;
};

// A client receiver: the peer is a server sender.
constexpr wire::MplexEndpoint kMe{false, false, false};

Bytes pattern(size_t n, uint32_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = static_cast<uint8_t>((i * 131 + seed * 7 + (i >> 9)) & 0xff);
  return b;
}

// Frames `data` as MSG_DATA frames of the given sizes (cycled), with an
// MSG_INFO after every `info_every` frames; `infos` gets their texts.
Bytes frame(const Bytes& data, const std::vector<size_t>& sizes, int info_every,
            std::vector<std::string>* infos) {
  ByteWriter w;
  size_t off = 0;
  for (size_t i = 0; off < data.size(); ++i) {
    const size_t n = std::min(sizes[i % sizes.size()], data.size() - off);
    wire::put_mplex_frame(w, wire::MsgCode::kData, ByteSpan(data.data() + off, n));
    off += n;
    if (info_every > 0 && i % static_cast<size_t>(info_every) == 0) {
      const std::string text = "message " + std::to_string(i) + "\n";
      wire::put_mplex_frame(w, wire::MsgCode::kInfo, as_bytes(text));
      infos->push_back(text);
    }
    if (i % 5 == 0) wire::put_mplex_frame(w, wire::MsgCode::kData, ByteSpan());  // keepalive
  }
  return w.take();
}

struct Reader {
  ChunkedChannel ch;
  MuxIn in;
  std::vector<std::string> got_infos;
  Reader(Bytes stream, std::vector<size_t> chunks)
      : ch(std::move(stream), std::move(chunks)), in(ch, kMe, 32) {
    in.set_multiplexed(true);
    in.set_message_handler([this](wire::MsgCode code, ByteSpan payload) {
      EXPECT_EQ(code, wire::MsgCode::kInfo);
      got_infos.emplace_back(payload.begin(), payload.end());
      return Status::Ok();
    });
  }
};

TEST(MuxInTest, ManySmallReadsAcrossMisalignedChunksAndFrames) {
  const Bytes data = pattern(3 * 1024 * 1024 + 17, 1);
  std::vector<std::string> infos;
  const Bytes stream = frame(data, {1, 3, 4000, 32768, 5, 65536, 70000, 2}, 7, &infos);
  Reader r(stream, {1, 2, 3, 65536 + 3, 4096, 7, 100000, 64 * 1024, 5});
  Bytes out;
  const std::vector<size_t> reads = {1, 4, 3, 100, 4096, 7, 32768, 2, 70000, 1};
  for (size_t i = 0; out.size() < data.size(); ++i) {
    const size_t n = std::min(reads[i % reads.size()], data.size() - out.size());
    Bytes piece(n);
    ASSERT_TRUE(r.in.read_bytes(piece.data(), n).ok());
    out.insert(out.end(), piece.begin(), piece.end());
    // The buffers stay near one frame plus one read, however long the run.
    ASSERT_LT(r.in.buffer_capacity(), 512u * 1024);
  }
  EXPECT_EQ(out, data);
  EXPECT_TRUE(r.in.at_eof());
  EXPECT_EQ(r.got_infos, infos);
  EXPECT_EQ(r.in.data_read(), data.size());
  EXPECT_EQ(r.in.total_read(), stream.size());
}

TEST(MuxInTest, OneLargeFrameThenSmallOnes) {
  const Bytes big = pattern(8 * 1024 * 1024, 2);  // one frame (below the 24-bit limit)
  const Bytes small = pattern(1000, 3);
  ByteWriter w;
  wire::put_mplex_frame(w, wire::MsgCode::kData, ByteSpan(big));
  for (size_t i = 0; i < small.size(); i += 10)
    wire::put_mplex_frame(w, wire::MsgCode::kData, ByteSpan(small.data() + i, 10));
  const Bytes stream = w.take();
  Reader r(stream, {65536, 1, 1000000, 3});
  Bytes out(big.size());
  // A 4-byte decode first: the whole large frame is buffered at once.
  int32_t first = 0;
  ASSERT_TRUE(r.in.read_int32(&first).ok());
  ByteReader fr{ByteSpan(big.data(), 4)};
  int32_t want = 0;
  ASSERT_TRUE(wire::get_int32(fr, &want).ok());
  EXPECT_EQ(first, want);
  ASSERT_TRUE(r.in.read_bytes(out.data() + 4, big.size() - 4).ok());
  std::copy_n(big.data(), 4, out.data());
  EXPECT_EQ(out, big);
  Bytes tail(small.size());
  ASSERT_TRUE(r.in.read_bytes(tail.data(), tail.size()).ok());
  EXPECT_EQ(tail, small);
  EXPECT_TRUE(r.in.at_eof());
  EXPECT_EQ(r.in.total_read(), stream.size());
}

TEST(MuxInTest, DecodeRetriesAcrossFrameBoundaries) {
  // varints split over one-byte frames, delivered one byte at a time.
  ByteWriter payload;
  std::vector<int32_t> values;
  for (int32_t v = 1; v < (1 << 30); v = v * 3 + 1) {
    wire::put_varint(payload, v);
    values.push_back(v);
  }
  std::vector<std::string> infos;
  const Bytes stream = frame(payload.bytes(), {1, 2}, 3, &infos);
  Reader r(stream, {1});
  for (int32_t v : values) {
    int32_t got = 0;
    ASSERT_TRUE(r.in.read_varint(&got).ok());
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(r.in.at_eof());
  EXPECT_EQ(r.got_infos, infos);
}

TEST(MuxInTest, RawBytesThenMultiplexedInOneChunk) {
  // A handshake word read raw, and the first frames behind it in the same
  // read: switching re-reads them as frames.
  ByteWriter w;
  wire::put_int32(w, 32);
  const Bytes data = pattern(200000, 4);
  std::vector<std::string> infos;
  const Bytes frames = frame(data, {300, 70000}, 2, &infos);
  w.append(ByteSpan(frames));
  const Bytes stream = w.take();
  ChunkedChannel ch(stream, {1 << 20});
  MuxIn in(ch, kMe, 32);
  int32_t version = 0;
  ASSERT_TRUE(in.read_int32(&version).ok());
  EXPECT_EQ(version, 32);
  std::vector<std::string> got;
  in.set_message_handler([&](wire::MsgCode, ByteSpan p) {
    got.emplace_back(p.begin(), p.end());
    return Status::Ok();
  });
  in.set_multiplexed(true);
  Bytes out(data.size());
  ASSERT_TRUE(in.read_bytes(out.data(), out.size()).ok());
  EXPECT_EQ(out, data);
  EXPECT_TRUE(in.at_eof());
  EXPECT_EQ(got, infos);
}

TEST(MuxInTest, TruncatedFrameIsAStreamError) {
  ByteWriter w;
  const Bytes data = pattern(100000, 5);
  wire::put_mplex_frame(w, wire::MsgCode::kData, ByteSpan(data));
  Bytes stream = w.take();
  stream.resize(stream.size() - 10);
  Reader r(stream, {4096});
  Bytes out(data.size());
  const Status s = r.in.read_bytes(out.data(), out.size());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.exit_code(), ExitCode::kStreamIo);
}

// Records what is written.
class CaptureChannel : public transport::ByteChannel {
 public:
  Status read_some(uint8_t*, size_t, size_t* n) override {
    *n = 0;
    return Status::Ok();
  }
  Status write_all(ByteSpan data) override {
    written.insert(written.end(), data.begin(), data.end());
    ++writes;
    return Status::Ok();
  }
  void close_write() override {}
  Bytes written;
  int writes = 0;
};

TEST(MuxOutTest, FramesBufferedDataAsOneFramePerFlush) {
  CaptureChannel ch;
  MuxOut out(ch, 32);
  const Bytes raw = pattern(10, 6);
  ASSERT_TRUE(out.write(ByteSpan(raw)).ok());
  ASSERT_TRUE(out.set_multiplexed(true).ok());  // raw bytes go out unframed first
  const Bytes a = pattern(1000, 7), b = pattern(40000, 8), c = pattern(5, 9);
  ASSERT_TRUE(out.write(ByteSpan(a)).ok());  // buffered
  ASSERT_TRUE(out.write(ByteSpan(b)).ok());  // passes 32 KiB: a and b in one frame
  ASSERT_TRUE(out.write(ByteSpan(c)).ok());  // buffered
  ASSERT_TRUE(out.send_msg(wire::MsgCode::kInfo, as_bytes(std::string_view("hi\n"))).ok());
  ASSERT_TRUE(out.flush().ok());  // nothing left: no empty frame
  ByteWriter want;
  want.append(ByteSpan(raw));
  Bytes ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  wire::put_mplex_frame(want, wire::MsgCode::kData, ByteSpan(ab));
  wire::put_mplex_frame(want, wire::MsgCode::kData, ByteSpan(c));  // pending data goes first
  wire::put_mplex_frame(want, wire::MsgCode::kInfo, as_bytes(std::string_view("hi\n")));
  EXPECT_EQ(ch.written, want.bytes());
  EXPECT_EQ(out.total_written(), want.size());
  EXPECT_EQ(out.data_written(), raw.size() + a.size() + b.size() + c.size());
}

TEST(MuxOutTest, SplitsDataLargerThanOneFrame) {
  CaptureChannel ch;
  MuxOut out(ch, 32);
  ASSERT_TRUE(out.set_multiplexed(true).ok());
  const Bytes big = pattern(wire::kMaxMplexPayload + 100, 10);
  ASSERT_TRUE(out.write(ByteSpan(big)).ok());
  ByteWriter want;
  wire::put_mplex_frame(want, wire::MsgCode::kData, ByteSpan(big.data(), wire::kMaxMplexPayload));
  wire::put_mplex_frame(want, wire::MsgCode::kData,
                        ByteSpan(big.data() + wire::kMaxMplexPayload, 100));
  EXPECT_EQ(ch.written, want.bytes());
}

}  // namespace
}  // namespace crsync::session
