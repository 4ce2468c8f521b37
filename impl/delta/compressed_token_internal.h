// Constants and helpers shared by the compressed token writer
// (compressed_token.cc) and reader (compressed_token_reader.cc); not part
// of any interface.
#pragma once

#include <lz4.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include "base/status.h"
#include "wire/protocol_format.h"

namespace crsync::delta::compressed_token_internal {

inline constexpr size_t kMaxData = wire::kTokMaxDataCount;  // 16383: a packet's 14-bit length
inline constexpr size_t kChunk = wire::kChunkSize;          // literal input per deflate feed
// The output room zlib.h promises is enough to deflate CHUNK_SIZE bytes in
// one call (0.1% + 12, rounded up to +16 by upstream): the inflate output
// buffer, and the scratch space for history feeding.
inline constexpr size_t kZlibOut = kChunk * 1001 / 1000 + 16;  // 32816
// lz4 packets are decoded into, and compressed with, this much room.
inline constexpr size_t kLz4Room =
    std::max<size_t>(LZ4_COMPRESSBOUND(kChunk), kMaxData + 2);  // 32912
// Stored blocks (and so history pieces) hold at most 65535 bytes.
inline constexpr size_t kStoredMax = 0xFFFF;

inline Status stream_error(std::string message) {
  return Status::Error(ExitCode::kStreamIo, std::move(message));
}

}  // namespace crsync::delta::compressed_token_internal
