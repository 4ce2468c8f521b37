// Decodes arbitrary bytes as a sequence of wire primitives.
#include "wire/primitives.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crsync;  // NOLINT
  ByteReader r{ByteSpan(data, size)};
  while (!r.empty()) {
    uint8_t kind = 0;
    if (!r.u8(&kind).ok()) break;
    int32_t i = 0;
    int64_t l = 0;
    std::string s;
    Status st;
    switch (kind % 5) {
      case 0: st = wire::get_varint(r, &i); break;
      case 1: st = wire::get_varlong(r, 1 + kind % 8, &l); break;
      case 2: st = wire::get_longint(r, &l); break;
      case 3: st = wire::get_vstring(r, 4096, &s); break;
      default: st = wire::get_int32(r, &i); break;
    }
    if (!st.ok()) break;
  }
  return 0;
}
