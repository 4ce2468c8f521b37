#include "checksum/sum_sizes.h"

#include <algorithm>
#include <string>

#include "base/check.h"
#include "wire/protocol_format.h"

namespace crsync::checksum {

SumHead sum_sizes_sqroot(int64_t len, const SumSizeParams& p) {
  SumHead h;
  if (len < 0) {
    h.count = -1;
    return h;
  }
  const int32_t max_blength = p.protocol < 30 ? wire::kOldMaxBlockSize : wire::kMaxBlockSize;
  int32_t blength = 0;
  if (p.block_size_opt) {
    blength = p.block_size_opt;
  } else if (len <= int64_t{wire::kBlockSize} * wire::kBlockSize) {
    blength = wire::kBlockSize;
  } else {
    // c = the power of two whose square is the largest not above len (from
    // repeatedly dividing len by 4); then build sqrt(len) bit by bit down to
    // bit 3, so the result is a multiple of 8.
    int64_t c = 1;
    for (int64_t l = len; (l >>= 2) != 0;) c <<= 1;
    if (c >= max_blength) {
      blength = max_blength;
    } else {
      int64_t b = 0;
      do {
        b |= c;
        if (len < b * b) b &= ~c;
        c >>= 1;
      } while (c >= 8);
      blength = static_cast<int32_t>(std::max<int64_t>(b, wire::kBlockSize));
    }
  }

  int s2length = 0;
  if (p.redo_pass) {
    s2length = wire::kSumLength;
    if (!p.upstream_341_redo_quirk) s2length = std::min(s2length, p.xfer_sum_len);
  } else {
    // Bits of strong sum wanted: 10 + 2*log2(len) - log2(blength), minus the
    // 32 bits the rolling sum gives, rounded up to bytes, clamped to [2, 16].
    int b = wire::kBlocksumBias;
    for (int64_t l = len; (l >>= 1) != 0;) b += 2;
    for (int32_t c = blength; (c >>= 1) != 0 && b;) --b;
    s2length = (b + 1 - 32 + 7) / 8;
    s2length = std::max(s2length, wire::kShortSumLength);
    s2length = std::min(s2length, wire::kSumLength);
  }

  h.blength = blength;
  h.s2length = s2length;
  h.remainder = static_cast<int32_t>(len % blength);
  const int64_t count = len / blength + (h.remainder != 0);
  h.count = count > INT32_MAX ? -1 : static_cast<int32_t>(count);
  return h;
}

Status check_sum_head(const SumHead& h, int protocol, int xfer_sum_len) {
  const int32_t max_blength = protocol < 30 ? wire::kOldMaxBlockSize : wire::kMaxBlockSize;
  CRSYNC_PEER_CHECK(h.count >= 0, ExitCode::kProtocol,
                    "Invalid checksum count " + std::to_string(h.count));
  CRSYNC_PEER_CHECK(h.blength >= 0 && h.blength <= max_blength, ExitCode::kProtocol,
                    "Invalid block length " + std::to_string(h.blength));
  CRSYNC_PEER_CHECK(h.s2length >= 0 && h.s2length <= xfer_sum_len, ExitCode::kProtocol,
                    "Invalid checksum length " + std::to_string(h.s2length));
  CRSYNC_PEER_CHECK(h.remainder >= 0 && h.remainder <= h.blength, ExitCode::kProtocol,
                    "Invalid remainder length " + std::to_string(h.remainder));
  CRSYNC_PEER_CHECK(h.count == 0 || h.blength > 0, ExitCode::kProtocol,
                    "Invalid block length 0 with " + std::to_string(h.count) + " blocks");
  return Status::Ok();
}

}  // namespace crsync::checksum
