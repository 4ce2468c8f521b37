// `crsync --daemon`: the command line (upstream's daemon options), the
// listening sockets, the pid file, and a plain synchronous accept loop
// that forks one process per connection (upstream socket.c
// start_accept_loop, clientserver.c daemon_main). SIGTERM, SIGINT and
// SIGHUP stop it cleanly (the pid file is removed); connections already
// being served finish in their own processes. Also runs one connection on
// stdin/stdout for `--server --daemon` (a remote shell) or inetd.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace crsync::daemon {

struct DaemonCommand {
  bool server = false;               // --server: one connection over stdin/stdout
  bool no_detach = false;            // --no-detach
  std::string config;                // --config (empty: the default)
  int port = 0;                      // --port (0: the config's, else 873)
  std::string address;               // --address
  std::vector<std::string> dparams;  // --dparam / -M
  std::string log_file;              // --log-file
  int family = 0;                    // -4 / -6 (AF_INET / AF_INET6), 0 either
  int bwlimit = 0;                   // --bwlimit, KiB/s: a cap on every client's
  std::string sockopts;              // --sockopts (overrides "socket options")
  std::string log_file_format;       // --log-file-format
  bool help = false;
};

// Parses a command line that holds --daemon. Unknown options: exit 1.
Status parse_daemon_args(const std::vector<std::string>& argv, DaemonCommand* out);

// Runs the daemon (or the single remote-shell connection); the exit code.
int run_daemon(const DaemonCommand& cmd);

}  // namespace crsync::daemon
