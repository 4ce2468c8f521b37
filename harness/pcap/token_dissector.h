// Dissects what travels per transferred file: the sum head (generator's
// request and the sender's echo), the generator's block sums, and the
// sender's token stream (plain, or zlib/zlibx/zstd/lz4 decompressed) with
// the whole-file checksum. Each file's tokens are also summarised in one
// decoded "file data" element (literal runs with their length and hash,
// block ranges), which is what a comparison at L2 looks at, so that two
// encodings of the same delta agree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "delta/compressed_token.h"
#include "pcap/session_facts.h"
#include "pcap/stream_cursor.h"

namespace crsync::pcap {

struct SumHeadValues {
  int32_t count = 0;
  int32_t blength = 0;
  int32_t s2length = 0;
  int32_t remainder = 0;
};

Status read_sum_head(StreamCursor& c, const SessionFacts& f, const std::string& name,
                     SumHeadValues* out);
Status read_block_sums(StreamCursor& c, const SumHeadValues& head, const std::string& name);

// One per session: a compressed token stream keeps its state across files.
class TokenStreamDissector {
 public:
  explicit TokenStreamDissector(const SessionFacts& f);
  ~TokenStreamDissector();
  // Tokens up to the end marker, then the whole-file checksum.
  Status read_file(StreamCursor& c, const SumHeadValues& head, const std::string& name);

 private:
  const SessionFacts& facts_;
  std::unique_ptr<delta::CompressedTokenReader> reader_;
};

}  // namespace crsync::pcap
