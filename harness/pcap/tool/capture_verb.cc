// crsync-pcap capture: records the TCP traffic of a port on an interface
// (loopback by default) to a pcap file with libpcap, for a given time, until
// interrupted, or while a command runs. Needs the right to capture (root).
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pcap/tool/verbs.h"

namespace crsync::pcap::tool {
namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

}  // namespace

int run_capture(const Args& in) {
  Args args = in;
  std::string port, out, iface = "lo", seconds;
  take_value(args, "--port", &port);
  if (!take_value(args, "-o", &out)) take_value(args, "--output", &out);
  if (!take_value(args, "-i", &iface)) take_value(args, "--interface", &iface);
  take_value(args, "--seconds", &seconds);
  std::vector<std::string> command;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      command.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      args.resize(i);
      break;
    }
  }
  if (port.empty() || out.empty() || !args.empty()) {
    std::fprintf(stderr,
                 "usage: crsync-pcap capture --port P -o FILE [-i IFACE] [--seconds N] "
                 "[-- COMMAND ARGS...]\n");
    return kExitUnusable;
  }
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(iface.c_str(), err);
  if (!p) {
    std::fprintf(stderr, "crsync-pcap: %s\n", err);
    return kExitUnusable;
  }
  pcap_set_snaplen(p, 262144);
  pcap_set_immediate_mode(p, 1);
  pcap_set_timeout(p, 50);
  pcap_set_buffer_size(p, 512 << 20);
  if (pcap_activate(p) < 0) {
    std::fprintf(stderr, "crsync-pcap: %s: %s\n", iface.c_str(), pcap_geterr(p));
    pcap_close(p);
    return kExitUnusable;
  }
  bpf_program prog;
  const std::string filter = "tcp port " + port;
  if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
      pcap_setfilter(p, &prog) != 0) {
    std::fprintf(stderr, "crsync-pcap: filter '%s': %s\n", filter.c_str(), pcap_geterr(p));
    pcap_close(p);
    return kExitUnusable;
  }
  pcap_freecode(&prog);
  pcap_dumper_t* dump = pcap_dump_open(p, out.c_str());
  if (!dump) {
    std::fprintf(stderr, "crsync-pcap: %s: %s\n", out.c_str(), pcap_geterr(p));
    pcap_close(p);
    return kExitUnusable;
  }
  pcap_setnonblock(p, 1, err);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  pid_t child = -1;
  if (!command.empty()) {
    child = fork();
    if (child == 0) {
      std::vector<char*> argv;
      for (auto& a : command) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      std::perror(argv[0]);
      _exit(127);
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const double limit = seconds.empty() ? -1 : std::atof(seconds.c_str());
  std::chrono::steady_clock::time_point ended{};
  bool child_done = child < 0;
  int child_status = 0;
  size_t packets = 0;
  for (;;) {
    const int n = pcap_dispatch(p, -1, pcap_dump, reinterpret_cast<u_char*>(dump));
    if (n > 0) packets += static_cast<size_t>(n);
    if (n < 0) break;
    if (n == 0) {
      pollfd pf{pcap_get_selectable_fd(p), POLLIN, 0};
      ::poll(&pf, 1, 20);
    }
    const auto now = std::chrono::steady_clock::now();
    if (!child_done && waitpid(child, &child_status, WNOHANG) == child) {
      child_done = true;
      ended = now;
    }
    if (g_stop) break;
    if (limit >= 0 && std::chrono::duration<double>(now - start).count() > limit) break;
    // After the command: a little longer, for the last segments to arrive.
    if (child >= 0 && child_done && now - ended > std::chrono::milliseconds(300)) break;
  }
  pcap_stat ps{};
  const bool have_stats = pcap_stats(p, &ps) == 0;
  pcap_dump_close(dump);
  pcap_close(p);
  std::fprintf(stderr, "crsync-pcap: %zu packets written to %s", packets, out.c_str());
  if (have_stats) std::fprintf(stderr, " (%u dropped by the kernel)", ps.ps_drop);
  std::fprintf(stderr, "\n");
  if (child >= 0) {
    if (!child_done) {
      kill(child, SIGTERM);
      waitpid(child, &child_status, 0);
    }
    const int code = WIFEXITED(child_status) ? WEXITSTATUS(child_status) : 128;
    std::fprintf(stderr, "crsync-pcap: command exited with %d\n", code);
  }
  return kExitSame;
}

}  // namespace crsync::pcap::tool
