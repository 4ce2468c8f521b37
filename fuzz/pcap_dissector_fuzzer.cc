// The crsync-pcap dissector and diff over arbitrary input. First byte even:
// the rest is a capture file (pcap or pcapng) read through libpcap,
// reassembled, and every connection dissected. Odd: the rest is two raw
// streams (c2s, s2c; the next two bytes give the split) dissected directly,
// as a daemon session and as a remote-shell session (the server command
// line picked by the first byte). Each dissection is then diffed with itself (which must hold at
// L0).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "pcap/capture_diff.h"
#include "pcap/session_dissector.h"
#include "pcap/tcp_reassembly.h"

namespace {

void check(const crsync::pcap::Dissection& d) {
  using namespace crsync::pcap;  // NOLINT
  for (Dir dir : {Dir::kC2S, Dir::kS2C}) {
    const DirectionDissection& dd = d.dir(dir);
    if (dd.decoded_bytes > dd.raw.size()) std::abort();
    for (const Element& e : dd.elements)
      if (e.offset + e.length > dd.raw.size()) std::abort();
  }
  const DiffReport r = diff_sessions(d, d, {});
  if (!r.levels[0].holds || !r.levels[1].holds || !r.levels[2].holds) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crsync;  // NOLINT
  if (size < 3) return 0;
  if (data[0] & 1) {
    const size_t split = static_cast<size_t>(data[1] | (data[2] << 8)) % (size - 2);
    const uint8_t* rest = data + 3;
    const size_t n = size - 3;
    const size_t cut = split < n ? split : n;
    check(pcap::dissect_session(Bytes(rest, rest + cut), Bytes(rest + cut, rest + n)));
    static const std::vector<std::string> kServerArgs[] = {
        {"--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "src/"},
        {"--server", "-logDtprze.iLsfxCIvu", "--delete-during", ".", "dst/"},
        {"--server", "--sender", "-lHogDtpre.iLsfxCIvu", "--checksum-seed=7", ".", "src/"},
        {"--server", "-logDtpr", "--protocol=29", ".", "dst/"}};
    check(pcap::dissect_rsh_session(Bytes(rest, rest + cut), Bytes(rest + cut, rest + n),
                                    kServerArgs[(data[0] >> 1) % 4]));
    return 0;
  }
  const int fd = memfd_create("pcap", 0);
  if (fd < 0) return 0;
  if (write(fd, data + 1, size - 1) == static_cast<ssize_t>(size - 1)) {
    std::vector<pcap::Connection> conns;
    if (pcap::reassemble_file("/proc/self/fd/" + std::to_string(fd), &conns).ok())
      for (pcap::Connection& c : conns)
        check(pcap::dissect_session(std::move(c.c2s.data), std::move(c.s2c.data)));
  }
  close(fd);
  return 0;
}
