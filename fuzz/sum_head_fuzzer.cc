// Validates arbitrary sum heads; any accepted head must be usable without
// overflow: count * blength stays within 64 bits and remainder <= blength.
#include <cstdlib>

#include "checksum/sum_sizes.h"
#include "wire/primitives.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crsync;  // NOLINT
  ByteReader r{ByteSpan(data, size)};
  checksum::SumHead h;
  int32_t proto = 0, sum_len = 0;
  if (!wire::get_int32(r, &h.count).ok() || !wire::get_int32(r, &h.blength).ok() ||
      !wire::get_int32(r, &h.s2length).ok() || !wire::get_int32(r, &h.remainder).ok() ||
      !wire::get_int32(r, &proto).ok() || !wire::get_int32(r, &sum_len).ok())
    return 0;
  proto = 28 + std::abs(proto % 5);
  sum_len = 8 + 8 * (sum_len & 1);
  if (checksum::check_sum_head(h, proto, sum_len).ok()) {
    if (h.count < 0 || h.blength < 0 || h.remainder > h.blength || h.s2length > sum_len)
      std::abort();
    if (h.count > 0 && h.blength == 0) std::abort();
  }
  // Sizing never fails for any length.
  int64_t len = 0;
  if (wire::get_longint(r, &len).ok()) {
    checksum::SumSizeParams p;
    p.protocol = proto;
    const checksum::SumHead s = checksum::sum_sizes_sqroot(len, p);
    if (len >= 0 && s.count >= 0 && !checksum::check_sum_head(s, proto, 16).ok()) std::abort();
  }
  return 0;
}
