// The uncompressed token stream (upstream token.c simple_send_token /
// simple_recv_token): literal data as int32 n > 0 then n bytes, at most
// CHUNK_SIZE (32 KiB) per run; a matched block k as int32 -(k+1); the end as
// int32 0. Compressed streams (zlib, zlibx, zstd, lz4) are separate codecs
// with the same Token interface.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::delta {

struct Token {
  enum class Kind { kLiteral, kBlock, kEnd };
  Kind kind = Kind::kEnd;
  ByteSpan literal;   // kLiteral: points into the reader's buffer
  int32_t block = 0;  // kBlock
};

void put_literal(ByteWriter& w, ByteSpan data);
// Only the length word of one literal chunk (n <= kChunkSize) whose bytes
// the caller writes itself, right behind it.
void put_literal_head(ByteWriter& w, size_t n);
void put_block(ByteWriter& w, int32_t block);
void put_end(ByteWriter& w);

// Reads one token; `block_count` bounds block references (exit 2 beyond).
Status get_token(ByteReader& r, int32_t block_count, Token* out);

}  // namespace crsync::delta
