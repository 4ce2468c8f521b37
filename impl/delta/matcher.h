// The sender's block matcher (upstream match.c match_sums / hash_search):
// slides a window over the new file, finds blocks of the receiver's basis
// with the same rolling and strong sums, and emits the token stream (literal
// runs and block references) in exactly upstream's order: candidates with
// equal rolling sums are tried from the highest block index down, the block
// after the previous match is preferred, literal data is flushed in 32 KiB
// pieces, and the whole-file checksum covers every byte of the file.
//
// With MatchOptions::updating_basis_file (the receiver writes the new file
// over its basis, --inplace) the search takes upstream's in-place path: a
// block is never referenced once the receiver may have overwritten it, and a
// block found at its own offset is preferred, so the receiver can skip it
// (docs/protocol/notes/delta-transfer.md §2.7).
#pragma once

#include <cstdint>
#include <functional>

#include "base/bytes.h"
#include "checksum/strong_sum.h"
#include "delta/signature.h"
#include "delta/source_window.h"

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

struct MatchOptions {
  // Upstream's updating_basis_file: the receiver rewrites the basis in place
  // (see sender_updates_basis_file). Then a block is only referenced while
  // the receiver still holds its original bytes: its offset is at or after
  // the current position in the new file, or it was already matched at its
  // own offset (the receiver skipped over it, so it is unchanged).
  bool updating_basis_file = false;
  // --append (upstream append_mode > 0): the receiver keeps its first
  // `append_offset` bytes (the length its sum head describes, at most the
  // file's) and only what follows is sent, as literal data. With
  // `append_verify` the whole-file checksum covers the kept part too.
  int64_t append_offset = -1;
  bool append_verify = false;
  // Called as the matcher moves on, with the offset below which it will not
  // read `data` again (at most once per kConsumedStep bytes): lets a mapped
  // file keep only a window resident.
  std::function<void(int64_t)> consumed;
};

inline constexpr int64_t kConsumedStep = int64_t{1} << 20;

// Matches `data` (the whole new file) against `sig` and feeds every byte to
// `file_sum` in file order. With sig.head.count == 0 the whole file is sent
// as literal data.
MatchStats match_file(ByteSpan data, const Signature& sig, checksum::BlockSummer& summer,
                      checksum::FileSum& file_sum, TokenSink& sink,
                      const MatchOptions& opts = MatchOptions{});
// The same over a file read through a window (delta/source_window.h); the
// matcher asks for nothing below the start of its pending literal run.
MatchStats match_file(SourceWindow& src, const Signature& sig, checksum::BlockSummer& summer,
                      checksum::FileSum& file_sum, TokenSink& sink,
                      const MatchOptions& opts = MatchOptions{});

// Upstream sender.c's per-file choice of updating_basis_file. The file is
// rewritten in place when the partial-dir file is the basis and the peers
// negotiated CF_INPLACE_PARTIAL_DIR (`inplace_partial`), or with --inplace
// (also implied by --append) when the basis is the destination file itself
// (protocol >= 29: basis type FNAMECMP_FNAME; below 29, which has no basis
// type on the wire, whenever no backups are being made — upstream's
// make_backups <= 0, so this is also true in the redo pass, where backups
// are switched off).
bool sender_updates_basis_file(int protocol, bool inplace, bool inplace_partial,
                               uint8_t fnamecmp_type, bool making_backups);

}  // namespace crsync::delta
