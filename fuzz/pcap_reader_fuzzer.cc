// Parses arbitrary bytes as link-layer frames of each supported type and
// reassembles whatever TCP comes out.
#include "pcap/tcp_reassembly.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crsync;  // NOLINT
  pcap::Reassembler r;
  size_t pos = 0;
  // Frames are length-prefixed (2 bytes) so one input holds several.
  while (pos + 2 <= size) {
    const size_t n = static_cast<size_t>(data[pos] | (data[pos + 1] << 8)) % 2048;
    pos += 2;
    if (pos + n > size) break;
    for (int link : {0, 1, 101, 108, 113, 276}) {
      pcap::TcpSegment seg;
      if (pcap::parse_frame(link, ByteSpan(data + pos, n), &seg)) r.add(std::move(seg));
    }
    pos += n;
  }
  auto conns = r.finish();
  (void)conns;
  return 0;
}
