// The client of an rsync daemon (upstream clientserver.c
// start_socket_client and start_inband_exchange): connects (honouring
// --port, --address, --contimeout), exchanges greetings, asks for the
// module (or the module listing), answers the authentication challenge
// from --password-file, RSYNC_PASSWORD or the terminal, prints the MOTD
// (unless --no-motd), sends the server arguments, then runs the ordinary
// client session over the socket.
#pragma once

#include <string>
#include <vector>

#include "session/options.h"

namespace crsync::cli {

// Where a daemon argument points: rsync://[user@]host[:port]/module/path
// or [user@]host::module/path.
struct DaemonTarget {
  std::string user, host;
  int port = 0;      // 0: --port or 873
  std::string path;  // "module/path" ("" for the listing)
};
bool parse_daemon_target(const std::string& arg, DaemonTarget* out);

// Runs a daemon transfer; `remote_paths` are the module paths of every
// remote argument. Returns the exit code.
int run_daemon_client(const session::Options& o, const DaemonTarget& t, bool push,
                      const std::vector<std::string>& sources, const std::string& dest,
                      const std::vector<std::string>& remote_paths);

}  // namespace crsync::cli
