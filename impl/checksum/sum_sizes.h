// Block length, strong-sum length and block count for one file's sum head
// (upstream generator.c sum_sizes_sqroot) and the checks a receiver of a sum
// head applies (io.c read_sum_head), including those added for CVE-2024-12084
// and rsync 3.5.0's "count > 0 with block length 0".
#pragma once

#include <cstdint>

#include "base/status.h"

namespace crsync::checksum {

struct SumHead {
  int32_t count = 0;      // number of blocks
  int32_t blength = 0;    // block length
  int32_t s2length = 0;   // bytes of each block's strong sum on the wire
  int32_t remainder = 0;  // length of the last, short block (0 if none)
};

struct SumSizeParams {
  int protocol = 32;
  int32_t block_size_opt = 0;  // -B/--block-size, 0 when not given
  bool redo_pass = false;      // phase 1 re-request: full-length sums
  // The negotiated transfer digest length. Upstream 3.4.1 does not cap the
  // redo pass's 16 bytes to it (xxh64/xxh3 have 8); crsync caps unless
  // `upstream_341_redo_quirk` asks for 3.4.1's bytes.
  int xfer_sum_len = 16;
  bool upstream_341_redo_quirk = false;
};

// Returns the head for a basis of `len` bytes; count -1 when it overflows.
SumHead sum_sizes_sqroot(int64_t len, const SumSizeParams& p);

// Validates a sum head received from the peer (exit code 2 on failure).
Status check_sum_head(const SumHead& h, int protocol, int xfer_sum_len);

}  // namespace crsync::checksum
