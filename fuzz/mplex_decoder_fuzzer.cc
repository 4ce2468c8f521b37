// Demultiplexes arbitrary bytes as each kind of endpoint.
#include "wire/mplex.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crsync;  // NOLINT
  for (int role = 0; role < 4; ++role) {
    wire::MplexDecoder d({(role & 1) != 0, (role & 2) != 0, false}, 31);
    ByteReader r{ByteSpan(data, size)};
    wire::MplexDecoder::Frame f;
    while (d.next(r, &f).ok()) {
    }
  }
  return 0;
}
