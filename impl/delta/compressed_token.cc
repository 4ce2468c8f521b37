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
#include "delta/compressed_token_internal.h"
#include "wire/protocol_format.h"

namespace crsync::delta {

using compressed_token_internal::kChunk;
using compressed_token_internal::kLz4Room;
using compressed_token_internal::kMaxData;
using compressed_token_internal::kStoredMax;
using compressed_token_internal::kZlibOut;
using compressed_token_internal::stream_error;

namespace {

using wire::CompressType;

// Runs are cut before their extra count would overflow its u16.
constexpr int64_t kMaxRun = 65536;

void put_packet(ByteWriter& out, const uint8_t* data, size_t n) {
  CRSYNC_ASSERT(n <= kMaxData);
  out.u8(static_cast<uint8_t>(wire::kTokDeflatedData | (n >> 8)));
  out.u8(static_cast<uint8_t>(n & 0xFF));
  out.append(ByteSpan(data, n));
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
