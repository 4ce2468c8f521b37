#include <cstdio>

#include "pcap/tool/verbs.h"

namespace crsync::pcap::tool {
int run_replay(const Args&) {
  return kExitUnusable;
}
int run_capture(const Args&) {
  return kExitUnusable;
}
}  // namespace crsync::pcap::tool
