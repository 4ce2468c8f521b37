// The sender's block matcher (upstream match.c match_sums / hash_search):
// slides a window over the new file, finds blocks of the receiver's basis
// with the same rolling and strong sums, and emits the token stream (literal
// runs and block references) in exactly upstream's order: candidates with
// equal rolling sums are tried from the highest block index down, the block
// after the previous match is preferred, literal data is flushed in 32 KiB
// pieces, and the whole-file checksum covers every byte of the file.
#pragma once

#include <cstdint>
#include <functional>

#include "base/bytes.h"
#include "checksum/strong_sum.h"
#include "delta/signature.h"

namespace crsync::delta {

// Receives the token stream. `literal` may be empty (a bare block or end).
class TokenSink {
 public:
  virtual ~TokenSink() = default;
  // A literal run then a block reference (block >= 0), the end (-1), or the
  // literal alone (-2).
  virtual void token(ByteSpan literal, int32_t block) = 0;
  // The same call with the matched block's bytes as the sender has them
  // (the new file's data at the match), empty unless block >= 0; what the
  // matcher calls. zlib's compressed stream adds them to its history
  // (CompressedTokenSink). The default drops them and calls token().
  virtual void token_with_match(ByteSpan literal, int32_t block, ByteSpan matched) {
    (void)matched;
    token(literal, block);
  }
};

struct MatchStats {
  int64_t literal = 0;
  int64_t matched = 0;
};

// Matches `data` (the whole new file) against `sig` and feeds every byte to
// `file_sum` in file order. With sig.head.count == 0 the whole file is sent
// as literal data.
MatchStats match_file(ByteSpan data, const Signature& sig, checksum::BlockSummer& summer,
                      checksum::FileSum& file_sum, TokenSink& sink);

}  // namespace crsync::delta
