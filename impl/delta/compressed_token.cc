#include "delta/compressed_token.h"

// zlib's next_in is then a pointer to const.
#define ZLIB_CONST
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "base/check.h"
#include "wire/protocol_format.h"

namespace crsync::delta {
namespace {

using wire::CompressType;

constexpr size_t kMaxData = wire::kTokMaxDataCount;  // 16383: a packet's 14-bit length
constexpr size_t kChunk = wire::kChunkSize;          // literal input per deflate feed
// The output room zlib.h promises is enough to deflate CHUNK_SIZE bytes in
// one call (0.1% + 12, rounded up to +16 by upstream): the inflate output
// buffer, and the scratch space for history feeding.
constexpr size_t kZlibOut = kChunk * 1001 / 1000 + 16;  // 32816
// lz4 packets are decoded into, and compressed with, this much room.
constexpr size_t kLz4Room = std::max<size_t>(LZ4_COMPRESSBOUND(kChunk), kMaxData + 2);  // 32912
// Stored blocks (and so history pieces) hold at most 65535 bytes.
constexpr size_t kStoredMax = 0xFFFF;
// Runs are cut before their extra count would overflow its u16.
constexpr int64_t kMaxRun = 65536;

void put_packet(ByteWriter& out, const uint8_t* data, size_t n) {
  CRSYNC_ASSERT(n <= kMaxData);
  out.u8(static_cast<uint8_t>(wire::kTokDeflatedData | (n >> 8)));
  out.u8(static_cast<uint8_t>(n & 0xFF));
  out.append(ByteSpan(data, n));
}

Status stream_error(std::string message) {
  return Status::Error(ExitCode::kStreamIo, std::move(message));
}

// The sender's run coding, shared by the four codecs (upstream keeps
// last_token, run_start and last_run_end as globals of token.c).
class RunCoder {
 public:
  // Accounts for a call with `literal_len` bytes then `token`, writing the
  // pending run first when this call ends it. True when the call starts a
  // file (the first call, or the first after an end).
  bool step(ByteWriter& out, int32_t token, size_t literal_len) {
    bool new_file = false;
    if (last_token_ == -1) {
      new_file = true;
      last_run_end_ = 0;
      run_start_ = token;
    } else if (last_token_ == -2) {
      run_start_ = token;
    } else if (literal_len != 0 || token != last_token_ + 1 ||
               int64_t{token} >= int64_t{run_start_} + kMaxRun) {
      emit(out);
      last_run_end_ = last_token_;
      run_start_ = token;
    }
    last_token_ = token;
    return new_file;
  }

 private:
  // The held run run_start_..last_token_, relative to the previous run's
  // end when the distance fits in six bits, else absolute.
  void emit(ByteWriter& out) const {
    const int64_t rel = int64_t{run_start_} - last_run_end_;
    const int64_t extra = int64_t{last_token_} - run_start_;
    if (rel >= 0 && rel <= 63) {
      out.u8(static_cast<uint8_t>((extra ? wire::kTokTokenrunRel : wire::kTokTokenRel) + rel));
    } else {
      out.u8(extra ? wire::kTokTokenrunLong : wire::kTokTokenLong);
      out.le32(static_cast<uint32_t>(run_start_));
    }
    if (extra) out.le16(static_cast<uint16_t>(extra));
  }

  int32_t last_token_ = -1;
  int32_t run_start_ = 0;
  int32_t last_run_end_ = 0;
};

}  // namespace

CompressionSetting resolve_compression(CompressType type, int level) {
  CompressionSetting s{type, level};
  int lo = 0;
  int hi = 0;
  switch (type) {
    case CompressType::kNone: return s;
    case CompressType::kZlib:
    case CompressType::kZlibx:
      lo = 1;
      hi = Z_BEST_COMPRESSION;
      if (level == kCompressLevelStored) {
        s.level = Z_NO_COMPRESSION;
        return s;
      }
      if (level == kCompressLevelNotSpecified || level == Z_DEFAULT_COMPRESSION) {
        s.level = 6;
      } else if (level == Z_NO_COMPRESSION) {
        return CompressionSetting{CompressType::kNone, 0};
      }
      break;
    case CompressType::kZstd:
      lo = ZSTD_minCLevel();
      hi = ZSTD_maxCLevel();
      if (level == kCompressLevelNotSpecified || level == kCompressLevelStored || level == 0)
        s.level = ZSTD_CLEVEL_DEFAULT;
      break;
    case CompressType::kLz4: s.level = 0; return s;
  }
  s.level = std::clamp(s.level, lo, hi);
  return s;
}

// ---------------------------------------------------------------------------
// Writer

struct CompressedTokenWriter::Impl {
  CompressType type;
  int level;
  int protocol;
  RunCoder runs;
  // A -2 call's literal was not flushed: the next call must flush even with
  // no literal of its own.
  bool flush_pending = false;
  Status init_status;

  // zlib / zlibx
  z_stream tx{};
  bool tx_live = false;
  std::array<uint8_t, kMaxData> pkt{};  // a packet being filled (zlib, zstd)
  Bytes scratch;                        // discarded output of history feeding

  // zstd: the packet buffer persists across calls; zfill == 0 means it was
  // just sent (or never used) and starts afresh.
  ZSTD_CCtx* cctx = nullptr;
  size_t zfill = 0;  // capacity in use (0 or kMaxData)
  size_t zpos = 0;

  // lz4
  Bytes lz;

  ~Impl() {
    if (tx_live) deflateEnd(&tx);
    ZSTD_freeCCtx(cctx);
  }

  Status start_file() {
    flush_pending = false;
    if (tx_live && deflateReset(&tx) != Z_OK) return stream_error("deflateReset failed");
    return Status::Ok();
  }

  Status compress(ByteWriter& out, ByteSpan lit, int32_t token) {
    switch (type) {
      case CompressType::kZlib:
      case CompressType::kZlibx: return deflate_literal(out, lit, token);
      case CompressType::kZstd: return zstd_literal(out, lit, token);
      case CompressType::kLz4: return lz4_literal(out, lit);
      case CompressType::kNone: break;
    }
    return Status::Error(ExitCode::kProtocol, "unknown compression");
  }

  // Deflates the literal in feeds of at most CHUNK_SIZE. Packets are cut
  // when the 16383-byte buffer fills and when the input runs out. Unless the
  // call is a mid-file flush (-2) the last feed ends with a sync flush whose
  // closing 00 00 FF FF is not sent: in flush mode the last four bytes of a
  // full buffer are held back and become the start of the next one, so the
  // four that remain at the very end are the ones dropped.
  Status deflate_literal(ByteWriter& out, ByteSpan lit, int32_t token) {
    const uint8_t* next = lit.data();
    size_t left = lit.size();
    int mode = Z_NO_FLUSH;
    tx.avail_in = 0;
    tx.avail_out = 0;
    do {
      if (tx.avail_in == 0 && left != 0) {
        const size_t n = std::min(left, kChunk);
        tx.next_in = next;
        tx.avail_in = static_cast<uInt>(n);
        next += n;
        left -= n;
      }
      if (tx.avail_out == 0) {
        tx.next_out = pkt.data();
        tx.avail_out = static_cast<uInt>(kMaxData);
        if (mode != Z_NO_FLUSH) {
          std::memmove(pkt.data(), pkt.data() + kMaxData - 4, 4);
          tx.next_out += 4;
          tx.avail_out -= 4;
        }
      }
      if (left == 0 && token != -2) mode = Z_SYNC_FLUSH;
      const int r = deflate(&tx, mode);
      if (r != Z_OK) return stream_error("deflate returned " + std::to_string(r));
      if (left == 0 || tx.avail_out == 0) {
        size_t n = kMaxData - tx.avail_out;
        if (mode != Z_NO_FLUSH) n = n >= 4 ? n - 4 : 0;
        if (n > 0) put_packet(out, pkt.data(), n);
      }
    } while (left != 0 || tx.avail_out == 0);
    return Status::Ok();
  }

  // zlib only: adds a matched block to deflate's history so later literals
  // can refer back into it, as the receiver's see_block does on its side.
  // Upstream 3.4.1 uses its bundled zlib's Z_INSERT_ONLY, which updates the
  // window and hash chains without output. The system zlib we link has no
  // such mode, so, like upstream built against a system zlib (Debian's
  // 3.5.0), the bytes are deflated with a sync flush and the output thrown
  // away, repeating each call until the input is used up and the output
  // buffer was not filled (3.5.0's loop). The receiver cannot tell the
  // difference: its history gets the same bytes. Only the later literal
  // bytes differ from a bundled-zlib sender.
  Status feed_history(ByteSpan block) {
    CRSYNC_ASSERT(!block.empty());
    const uint8_t* from = block.data();
    size_t left = block.size();
    do {
      const size_t n = std::min(left, kStoredMax);
      left -= n;
      tx.next_in = from;
      tx.avail_in = static_cast<uInt>(n);
      // Below protocol 31 every piece starts at the block's start (upstream's
      // duplicated-data bug, mirrored by the receiver).
      if (protocol >= 31) from += n;
      do {
        tx.next_out = scratch.data();
        tx.avail_out = static_cast<uInt>(scratch.size());
        const int r = deflate(&tx, Z_SYNC_FLUSH);
        if (r != Z_OK) {
          return stream_error("deflate on token returned " + std::to_string(r) + " (" +
                              std::to_string(tx.avail_in) + " bytes left)");
        }
      } while (tx.avail_in != 0 || tx.avail_out == 0);
    } while (left > 0);
    return Status::Ok();
  }

  // The whole literal is one input. The packet buffer carries over between
  // calls: it is sent when full, and after every flush (a call other than
  // -2), however little it holds, even nothing.
  Status zstd_literal(ByteWriter& out, ByteSpan lit, int32_t token) {
    ZSTD_inBuffer in{lit.data(), lit.size(), 0};
    const ZSTD_EndDirective mode = token != -2 ? ZSTD_e_flush : ZSTD_e_continue;
    size_t r = 0;
    do {
      if (zfill == 0) {
        zfill = kMaxData;
        zpos = 0;
      }
      ZSTD_outBuffer o{pkt.data(), zfill, zpos};
      r = ZSTD_compressStream2(cctx, &o, &in, mode);
      zpos = o.pos;
      if (ZSTD_isError(r))
        return stream_error("ZSTD_compressStream returned " + std::to_string(static_cast<int>(r)));
      if (zpos == zfill || mode == ZSTD_e_flush) {
        put_packet(out, pkt.data(), zpos);
        zfill = 0;
      }
    } while (in.pos < in.size || r > 0);
    return Status::Ok();
  }

  // Independent lz4 blocks of at most 16383 input bytes; when one would not
  // fit a packet, the input is halved and compressed again. A call with no
  // literal (flush pending) still sends one block of nothing.
  Status lz4_literal(ByteWriter& out, ByteSpan lit) {
    static const char kNothing = 0;
    const char* next = lit.empty() ? &kNothing : reinterpret_cast<const char*>(lit.data());
    size_t left = lit.size();
    int in_len = 0;
    int out_len = 0;
    do {
      if (out_len == 0) {
        in_len = static_cast<int>(std::min(left, kMaxData));
      } else {
        in_len /= 2;
      }
      out_len = LZ4_compress_default(next, reinterpret_cast<char*>(lz.data()), in_len,
                                     static_cast<int>(lz.size()));
      if (out_len <= 0) return stream_error("compress returned " + std::to_string(out_len));
      if (static_cast<size_t>(out_len) <= kMaxData) {
        put_packet(out, lz.data(), static_cast<size_t>(out_len));
        out_len = 0;
        next += in_len;
        left -= static_cast<size_t>(in_len);
      }
    } while (left != 0);
    return Status::Ok();
  }
};

CompressedTokenWriter::CompressedTokenWriter(CompressType type, int level, int protocol)
    : impl_(std::make_unique<Impl>()) {
  const CompressionSetting s = resolve_compression(type, level);
  CRSYNC_ASSERT(s.type != CompressType::kNone);
  impl_->type = s.type;
  impl_->level = s.level;
  impl_->protocol = protocol;
  switch (s.type) {
    case CompressType::kZlib:
    case CompressType::kZlibx:
      if (deflateInit2(&impl_->tx, s.level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        impl_->init_status = Status::Protocol("compression init failed");
        break;
      }
      impl_->tx_live = true;
      impl_->scratch.resize(kZlibOut);
      break;
    case CompressType::kZstd:
      impl_->cctx = ZSTD_createCCtx();
      if (!impl_->cctx ||
          ZSTD_isError(ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_compressionLevel, s.level)))
        impl_->init_status = Status::Protocol("compression init failed");
      break;
    case CompressType::kLz4: impl_->lz.resize(kLz4Room - 2); break;
    case CompressType::kNone: break;
  }
}

CompressedTokenWriter::~CompressedTokenWriter() = default;

CompressType CompressedTokenWriter::type() const {
  return impl_->type;
}
int CompressedTokenWriter::level() const {
  return impl_->level;
}

Status CompressedTokenWriter::token(ByteWriter& out, ByteSpan literal, int32_t block,
                                    ByteSpan matched) {
  Impl& m = *impl_;
  CRSYNC_RETURN_IF_ERROR(m.init_status);
  CRSYNC_ASSERT(block >= -2);
  if (m.runs.step(out, block, literal.size())) CRSYNC_RETURN_IF_ERROR(m.start_file());
  if (!literal.empty() || m.flush_pending) {
    CRSYNC_RETURN_IF_ERROR(m.compress(out, literal, block));
    m.flush_pending = block == -2;
  }
  if (block == -1) {
    out.u8(wire::kTokEndFlag);
  } else if (block >= 0 && m.type == CompressType::kZlib) {
    CRSYNC_RETURN_IF_ERROR(m.feed_history(matched));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Reader

namespace {

// One framing element, parsed but not yet acted on.
struct Element {
  enum class Kind { kData, kEnd, kBlock };
  Kind kind = Kind::kEnd;
  ByteSpan data;      // kData
  int32_t block = 0;  // kBlock: the first block
  int32_t run = 0;    // kBlock: extra blocks after it
};

}  // namespace

struct CompressedTokenReader::Impl {
  enum class State {
    kIdle,       // between elements
    kRunning,    // returning the rest of a run
    kInflating,  // a data packet is (or its output still is) being decompressed
    kInflated,   // zlib: data ended; the sync point is checked at the next non-data flag
  };

  CompressType type;
  int protocol;
  State state = State::kIdle;
  int32_t rx_token = 0;  // the last block returned in this file
  int32_t rx_run = 0;    // blocks of the run still to return
  Status init_status;

  Bytes cbuf;  // the compressed packet being decompressed (zlib, zstd)
  Bytes dbuf;  // decompressed output handed out as literals

  z_stream rx{};
  bool rx_live = false;
  ZSTD_DCtx* dctx = nullptr;
  ZSTD_inBuffer zin{};

  ~Impl() {
    if (rx_live) inflateEnd(&rx);
    ZSTD_freeDCtx(dctx);
  }

  static Status bad_token() {
    return Status::Protocol("invalid token number in compressed stream");
  }

  // Reads one whole element without changing any state.
  Status parse(ByteReader& r, int32_t block_count, Element* e) const {
    uint8_t flag = 0;
    CRSYNC_RETURN_IF_ERROR(r.u8(&flag));
    if ((flag & 0xC0) == wire::kTokDeflatedData) {
      uint8_t lo = 0;
      CRSYNC_RETURN_IF_ERROR(r.u8(&lo));
      const size_t n = (size_t{flag & 0x3Fu} << 8) | lo;
      e->kind = Element::Kind::kData;
      return r.take(n, &e->data);
    }
    if (flag == wire::kTokEndFlag) {
      e->kind = Element::Kind::kEnd;
      return Status::Ok();
    }
    int64_t first = 0;
    bool is_run = false;
    if (flag & wire::kTokTokenRel) {
      first = int64_t{rx_token} + (flag & 0x3F);
      is_run = flag & 0x40;
    } else {
      // TOKEN_LONG / TOKENRUN_LONG; upstream takes any flag below 0x40 this
      // way, with bit 0 meaning a run.
      uint32_t v = 0;
      CRSYNC_RETURN_IF_ERROR(r.le32(&v));
      first = static_cast<int32_t>(v);
      is_run = flag & 1;
      if (first < 0) return bad_token();
    }
    uint16_t extra = 0;
    if (is_run) {
      CRSYNC_RETURN_IF_ERROR(r.le16(&extra));
      // A count of 0 would mean 65536 more blocks to upstream 3.4.1.
      if (extra == 0) return bad_token();
    }
    const int64_t last = first + extra;
    CRSYNC_PEER_CHECK(last < block_count, ExitCode::kProtocol,
                      "invalid block reference " + std::to_string(last) + " (of " +
                          std::to_string(block_count) + ")");
    e->kind = Element::Kind::kBlock;
    e->block = static_cast<int32_t>(first);
    e->run = extra;
    return Status::Ok();
  }

  // Starts decompressing a packet that has been consumed. lz4 packets are
  // decoded whole here; *n is the output then (else 0).
  Status start_packet(ByteSpan data, size_t* n) {
    *n = 0;
    switch (type) {
      case CompressType::kZlib:
      case CompressType::kZlibx:
        std::copy(data.begin(), data.end(), cbuf.begin());
        rx.next_in = cbuf.data();
        rx.avail_in = static_cast<uInt>(data.size());
        state = State::kInflating;
        return Status::Ok();
      case CompressType::kZstd:
        std::copy(data.begin(), data.end(), cbuf.begin());
        zin = ZSTD_inBuffer{cbuf.data(), data.size(), 0};
        state = State::kInflating;
        return Status::Ok();
      case CompressType::kLz4: {
        static const char kNothing = 0;
        const char* src = data.empty() ? &kNothing : reinterpret_cast<const char*>(data.data());
        const int got =
            LZ4_decompress_safe(src, reinterpret_cast<char*>(dbuf.data()),
                                static_cast<int>(data.size()), static_cast<int>(dbuf.size()));
        if (got < 0) return stream_error("uncompress failed: " + std::to_string(got));
        // Upstream would return a block of nothing as 0, i.e. as the end of
        // the file; no sender makes one from real data, so it is skipped.
        *n = static_cast<size_t>(got);
        state = State::kIdle;
        return Status::Ok();
      }
      case CompressType::kNone: break;
    }
    return Status::Protocol("unknown compression");
  }

  // kInflating: the next piece of output (possibly none).
  Status inflate_some(size_t* n) {
    if (type == CompressType::kZstd) {
      ZSTD_outBuffer o{dbuf.data(), dbuf.size(), 0};
      const size_t r = ZSTD_decompressStream(dctx, &o, &zin);
      *n = o.pos;
      if (ZSTD_isError(r)) {
        return stream_error("ZSTD decomp returned " + std::to_string(static_cast<int>(r)) + " (" +
                            std::to_string(*n) + " bytes)");
      }
      // Input used up and room left over: zstd holds nothing more for now.
      if (zin.pos == zin.size && *n < dbuf.size()) state = State::kIdle;
      return Status::Ok();
    }
    rx.next_out = dbuf.data();
    rx.avail_out = static_cast<uInt>(dbuf.size());
    const int r = inflate(&rx, Z_NO_FLUSH);
    *n = dbuf.size() - rx.avail_out;
    if (r != Z_OK) {
      return stream_error("inflate returned " + std::to_string(r) + " (" + std::to_string(*n) +
                          " bytes)");
    }
    if (rx.avail_in == 0) state = State::kInflated;
    return Status::Ok();
  }

  // zlib, kInflated, before a non-data element: first any output inflate
  // still holds (*n > 0: return it and come back), then the stream must be
  // exactly where the sender's dropped 00 00 FF FF belong; they are fed back.
  Status finish_data(size_t* n) {
    rx.next_in = nullptr;
    rx.avail_in = 0;
    rx.next_out = dbuf.data();
    rx.avail_out = static_cast<uInt>(dbuf.size());
    const int r = inflate(&rx, Z_SYNC_FLUSH);
    *n = dbuf.size() - rx.avail_out;
    if (r != Z_OK && r != Z_BUF_ERROR) {
      return stream_error("inflate flush returned " + std::to_string(r) + " (" +
                          std::to_string(*n) + " bytes)");
    }
    if (*n != 0 && r != Z_BUF_ERROR) return Status::Ok();
    *n = 0;
    if (!inflateSyncPoint(&rx)) return stream_error("decompressor lost sync!");
    static const uint8_t kSyncTail[4] = {0x00, 0x00, 0xFF, 0xFF};
    rx.next_in = kSyncTail;
    rx.avail_in = 4;
    (void)inflate(&rx, Z_SYNC_FLUSH);
    rx.next_in = nullptr;
    rx.avail_in = 0;
    state = State::kIdle;
    return Status::Ok();
  }

  Status end_file() {
    state = State::kIdle;
    rx_token = 0;
    rx_run = 0;
    if (rx_live && inflateReset(&rx) != Z_OK) return stream_error("inflateReset failed");
    return Status::Ok();
  }

  void literal(Token* out, size_t n) const {
    out->kind = Token::Kind::kLiteral;
    out->literal = ByteSpan(dbuf.data(), n);
  }
  void block(Token* out) const {
    out->kind = Token::Kind::kBlock;
    out->block = rx_token;
  }
};

CompressedTokenReader::CompressedTokenReader(CompressType type, int protocol)
    : impl_(std::make_unique<Impl>()) {
  CRSYNC_ASSERT(type != CompressType::kNone);
  Impl& m = *impl_;
  m.type = type;
  m.protocol = protocol;
  switch (type) {
    case CompressType::kZlib:
    case CompressType::kZlibx:
      if (inflateInit2(&m.rx, -15) != Z_OK) {
        m.init_status = Status::Protocol("inflate init failed");
        break;
      }
      m.rx_live = true;
      m.cbuf.resize(kMaxData);
      m.dbuf.resize(kZlibOut);
      break;
    case CompressType::kZstd:
      m.dctx = ZSTD_createDCtx();
      if (!m.dctx) m.init_status = Status::Protocol("ZSTD_createDStream failed");
      m.cbuf.resize(kMaxData);
      // Room for two of the blocks zstd decodes at once.
      m.dbuf.resize(ZSTD_DStreamOutSize() * 2);
      break;
    case CompressType::kLz4: m.dbuf.resize(kLz4Room); break;
    case CompressType::kNone: break;
  }
}

CompressedTokenReader::~CompressedTokenReader() = default;

CompressType CompressedTokenReader::type() const {
  return impl_->type;
}

Status CompressedTokenReader::get(ByteReader& r, int32_t block_count, Token* out) {
  Impl& m = *impl_;
  CRSYNC_RETURN_IF_ERROR(m.init_status);
  using State = Impl::State;
  bool consumed = false;  // input of `r` was used up for good in this call
  for (;;) {
    if (m.state == State::kRunning) {
      ++m.rx_token;
      if (--m.rx_run == 0) m.state = State::kIdle;
      m.block(out);
      return Status::Ok();
    }
    if (m.state == State::kInflating) {
      size_t n = 0;
      CRSYNC_RETURN_IF_ERROR(m.inflate_some(&n));
      if (n != 0) {
        m.literal(out, n);
        return Status::Ok();
      }
      continue;
    }

    const size_t start = r.pos();
    Element e;
    Status s = m.parse(r, block_count, &e);
    if (s.need_more()) {
      r.seek(start);
      if (!consumed) return s;
      m.literal(out, 0);
      return Status::Ok();
    }
    CRSYNC_RETURN_IF_ERROR(s);

    if (e.kind == Element::Kind::kData) {
      consumed = true;
      size_t n = 0;
      CRSYNC_RETURN_IF_ERROR(m.start_packet(e.data, &n));
      if (n != 0) {
        m.literal(out, n);
        return Status::Ok();
      }
      continue;
    }

    if (m.state == State::kInflated) {
      size_t n = 0;
      CRSYNC_RETURN_IF_ERROR(m.finish_data(&n));
      if (n != 0) {
        // The element is read again on the next call.
        r.seek(start);
        m.literal(out, n);
        return Status::Ok();
      }
    }

    if (e.kind == Element::Kind::kEnd) {
      CRSYNC_RETURN_IF_ERROR(m.end_file());
      out->kind = Token::Kind::kEnd;
      return Status::Ok();
    }
    m.rx_token = e.block;
    if (e.run != 0) {
      m.rx_run = e.run;
      m.state = State::kRunning;
    }
    m.block(out);
    return Status::Ok();
  }
}

Status CompressedTokenReader::see_block(ByteSpan block_data) {
  Impl& m = *impl_;
  if (m.type != CompressType::kZlib) return Status::Ok();
  CRSYNC_RETURN_IF_ERROR(m.init_status);
  z_stream& z = m.rx;
  const uint8_t* from = block_data.data();
  size_t left = block_data.size();
  size_t piece = 0;  // length of the stored block whose header was just given
  uint8_t hdr[5];
  z.avail_in = 0;
  do {
    if (z.avail_in == 0 && left != 0) {
      if (piece == 0) {
        // A stored block header: final bit 0, type 00, then LEN and ~LEN.
        piece = std::min(left, kStoredMax);
        hdr[0] = 0;
        hdr[1] = static_cast<uint8_t>(piece & 0xFF);
        hdr[2] = static_cast<uint8_t>(piece >> 8);
        hdr[3] = static_cast<uint8_t>(~hdr[1]);
        hdr[4] = static_cast<uint8_t>(~hdr[2]);
        z.next_in = hdr;
        z.avail_in = 5;
      } else {
        z.next_in = from;
        z.avail_in = static_cast<uInt>(piece);
        // Below protocol 31 each piece repeats the block's start (as the
        // sender's history feeding does).
        if (m.protocol >= 31) from += piece;
        left -= piece;
        piece = 0;
      }
    }
    z.next_out = m.dbuf.data();
    z.avail_out = static_cast<uInt>(m.dbuf.size());
    const int r = inflate(&z, Z_SYNC_FLUSH);
    if (r != Z_OK && r != Z_BUF_ERROR) {
      z.next_in = nullptr;
      z.avail_in = 0;
      return stream_error("inflate (token) returned " + std::to_string(r));
    }
  } while (left != 0 || z.avail_out == 0);
  z.next_in = nullptr;
  z.avail_in = 0;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// TokenSink adapter

CompressedTokenSink::CompressedTokenSink(CompressedTokenWriter& writer, Flush flush, size_t batch)
    : writer_(writer), flush_(std::move(flush)), batch_(batch) {}

void CompressedTokenSink::token(ByteSpan literal, int32_t block) {
  token_with_match(literal, block, ByteSpan());
}

void CompressedTokenSink::token_with_match(ByteSpan literal, int32_t block, ByteSpan matched) {
  if (!status_.ok()) return;
  status_ = writer_.token(buf_, literal, block, matched);
  if (status_.ok() && buf_.size() >= batch_) {
    status_ = flush_(ByteSpan(buf_.bytes()));
    buf_.clear();
  }
}

Status CompressedTokenSink::finish() {
  if (status_.ok() && buf_.size() != 0) status_ = flush_(ByteSpan(buf_.bytes()));
  buf_.clear();
  return status_;
}

}  // namespace crsync::delta
