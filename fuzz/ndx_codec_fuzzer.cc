// Decodes arbitrary bytes as an ndx stream at each protocol.
#include "wire/ndx_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crsync;  // NOLINT
  for (int proto : {29, 30}) {
    wire::NdxDecoder d(proto);
    ByteReader r{ByteSpan(data, size)};
    int32_t v = 0;
    while (d.get(r, &v).ok()) {
    }
  }
  return 0;
}
