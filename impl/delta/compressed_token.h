// The compressed token streams of upstream token.c, for the four -z codecs:
// zlib (CPRES_ZLIB), zlibx (CPRES_ZLIBX), zstd (CPRES_ZSTD) and lz4
// (CPRES_LZ4). Pure codecs: the writer appends framed bytes to a ByteWriter,
// the reader walks a ByteReader. See docs/protocol/notes/delta-transfer.md §3.
//
// Framing shared by all four codecs, one flag byte per element:
//   0x00                 end of file (END_FLAG)
//   0x40 | n>>8, n&0xFF  n (0..16383) bytes of compressed data follow
//   0x80 + r             one block, index = end of the previous run + r
//   0xC0 + r, u16 e      blocks start..start+e, start = previous run end + r
//   0x20, int32 k        one block k (TOKEN_LONG)
//   0x21, int32 k, u16 e blocks k..k+e (TOKENRUN_LONG)
// The sender holds a block back until the next call shows whether the run
// continues, so a block reference appears after its own literal data.
//
// Codec state lives for the session: zstd keeps one compression context (one
// never-ending frame) across every file; zlib resets its deflate and inflate
// streams at each file start; lz4 packets are independent blocks.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>

#include "base/bytes.h"
#include "base/status.h"
#include "delta/matcher.h"
#include "delta/token_codec.h"
#include "wire/negotiate.h"

namespace crsync::delta {

// upstream CLVL_NOT_SPECIFIED: the user gave no --compress-level.
inline constexpr int kCompressLevelNotSpecified = INT_MIN;
// A sending daemon whose module says "dont compress = *": deflate keeps
// compressing the token stream, at level 0 (stored blocks; upstream's
// skip_compression_level as per_file_default_level). zstd and lz4 are not
// affected, as upstream's are not.
inline constexpr int kCompressLevelStored = INT_MIN + 1;

struct CompressionSetting {
  wire::CompressType type = wire::CompressType::kNone;
  int level = 0;
};

// The level rules of upstream init_compression_level, given the level as the
// user wrote it (kCompressLevelNotSpecified when absent):
//   zlib/zlibx: not specified or -1 (Z_DEFAULT_COMPRESSION) -> 6; 0 turns
//               compression off (type kNone); else clamped to 1..9.
//   zstd:       not specified or 0 -> 3 (ZSTD_CLEVEL_DEFAULT); else clamped to
//               ZSTD_minCLevel()..ZSTD_maxCLevel() (so -1 is a real level).
//   lz4:        always 0.
// Both sides apply it (the client passes --compress-level on to the server).
CompressionSetting resolve_compression(wire::CompressType type, int level);

// Sender side. One object per session.
class CompressedTokenWriter {
 public:
  // `level` as for resolve_compression. The resolved setting must not be
  // "off": the caller resolves first and uses the plain token stream then.
  CompressedTokenWriter(wire::CompressType type, int level, int protocol);
  ~CompressedTokenWriter();
  CompressedTokenWriter(const CompressedTokenWriter&) = delete;
  CompressedTokenWriter& operator=(const CompressedTokenWriter&) = delete;

  // upstream send_token: `literal` then `block` (>= 0 a matched block, -1 the
  // end of the file, -2 the literal alone), as TokenSink::token. `matched` is
  // the sender's own bytes of a matched block (block >= 0): zlib (not zlibx)
  // adds them to its history, and needs them non-empty; the other codecs
  // ignore them. The first call after construction or after an end (-1)
  // starts a new file. Appends the framed bytes to `out` (possibly nothing:
  // a block waits for the next call). Errors are library failures (exit 12).
  Status token(ByteWriter& out, ByteSpan literal, int32_t block, ByteSpan matched);

  wire::CompressType type() const;
  int level() const;  // as resolved

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Receiver side. One object per session.
class CompressedTokenReader {
 public:
  CompressedTokenReader(wire::CompressType type, int protocol);
  ~CompressedTokenReader();
  CompressedTokenReader(const CompressedTokenReader&) = delete;
  CompressedTokenReader& operator=(const CompressedTokenReader&) = delete;

  // upstream recv_token: the next token of the current file. Block indexes
  // (runs included, checked when the run starts) must be below
  // `block_count`, else exit 2, as delta::get_token.
  //
  // Atomic for a retrying driver (MuxIn::decode): need-more means nothing of
  // `r` was consumed (its position is as on entry) and a retry with the same
  // bytes and more continues correctly. OK means the elements read were
  // consumed for good; `r` then stands after them.
  //
  // A literal points into the reader's own buffer, valid until the next call.
  // It may be EMPTY: when a data packet was consumed but has not yet produced
  // output (zstd emits nothing until a whole block is in) and the next element
  // is not complete in `r`, the call returns an empty literal rather than
  // lose the consumed bytes. Treat it as nothing.
  Status get(ByteReader& r, int32_t block_count, Token* out);

  // upstream see_token: zlib (not zlibx) only, a no-op otherwise. Call it
  // with the bytes of each block that get() returned (when the receiver has
  // them), before the next get(): they go into inflate's history as stored
  // blocks of at most 65535 bytes (below protocol 31 each piece repeats the
  // block's start, as upstream).
  Status see_block(ByteSpan block_data);

  wire::CompressType type() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Adapts a CompressedTokenWriter to the matcher's TokenSink. The framed bytes
// build up in a buffer that is handed to `flush` once it holds `batch` bytes
// and at finish(). After the first error every later call does nothing.
class CompressedTokenSink : public TokenSink {
 public:
  using Flush = std::function<Status(ByteSpan)>;
  CompressedTokenSink(CompressedTokenWriter& writer, Flush flush, size_t batch = size_t{64} << 10);

  // Without the block's bytes: only for codecs other than zlib, or no block.
  void token(ByteSpan literal, int32_t block) override;
  void token_with_match(ByteSpan literal, int32_t block, ByteSpan matched) override;

  // Flushes what is left; returns the first error of any call.
  Status finish();
  const Status& status() const { return status_; }

 private:
  CompressedTokenWriter& writer_;
  Flush flush_;
  size_t batch_;
  ByteWriter buf_;
  Status status_;
};

}  // namespace crsync::delta
