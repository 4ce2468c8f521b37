// crsync-pcap: capture, reassemble, dissect, compare and replay rsync
// sessions. See docs/pcap-toolkit.md.
#include <cstdio>
#include <cstring>

#include "pcap/tool/verbs.h"

namespace {

void usage(FILE* to) {
  std::fputs(
      "usage: crsync-pcap VERB ...\n"
      "  capture --port P -o FILE [-i IFACE] [-- COMMAND ARGS...]\n"
      "  streams CAPTURE [--json]\n"
      "  record-rsh -o DIR [--rsh SHELL] -- RSYNC ARGS...\n"
      "  rsh-tee -o DIR -- REMOTE-SHELL ARGS...   (rsync's -e program)\n"
      "  show CAPTURE|DIR [--conn N|port:P] [--json] [--summary]\n"
      "  diff A B (captures or recordings) [--level L0|L1|L2] [--conn-a SEL] [--conn-b SEL] "
      "[--no-mask] [--json]\n"
      "  replay --as-client CAPTURE --port P [--host H] [--password PW] [--conn SEL]\n"
      "  replay --as-server CAPTURE --port P [--conn SEL] [--timeout S]\n"
      "exit status: 0 same / fine, 1 differ / diverged, 2 unusable input\n",
      to);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace crsync::pcap::tool;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUnusable : 0;
  }
  const std::string verb = argv[1];
  Args args(argv + 2, argv + argc);
  if (verb == "streams") return run_streams(args);
  if (verb == "show") return run_show(args);
  if (verb == "diff") return run_diff(args);
  if (verb == "replay") return run_replay(args);
  if (verb == "capture") return run_capture(args);
  if (verb == "record-rsh") return run_record_rsh(args);
  if (verb == "rsh-tee") return run_rsh_tee(args);
  std::fprintf(stderr, "crsync-pcap: unknown verb '%s'\n", verb.c_str());
  usage(stderr);
  return kExitUnusable;
}
