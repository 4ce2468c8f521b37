// The receiving side of the compressed token streams (upstream token.c
// recv_token, see_token): CompressedTokenReader, for all four codecs.
#include "delta/compressed_token.h"

// zlib's next_in is then a pointer to const.
#define ZLIB_CONST
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "base/check.h"
#include "delta/compressed_token_internal.h"
#include "wire/protocol_format.h"

namespace crsync::delta {

using compressed_token_internal::kLz4Room;
using compressed_token_internal::kMaxData;
using compressed_token_internal::kStoredMax;
using compressed_token_internal::kZlibOut;
using compressed_token_internal::stream_error;
using wire::CompressType;

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

}  // namespace crsync::delta
