// The client: decides from the positional arguments whether this is a local
// copy, a push or a pull over a remote shell, starts the peer (a thread
// for local copies, the remote shell otherwise) and runs the session.
#pragma once

#include <string>
#include <vector>

#include "session/options.h"

namespace crsync::cli {

// Returns the process exit code.
int run_client_command(const session::Options& o, const std::vector<std::string>& args);

// Where a command-line argument points.
struct HostSpec {
  bool remote = false;
  bool daemon = false;  // host::module or rsync://
  std::string user;
  std::string host;
  std::string path;
};
HostSpec parse_host_spec(const std::string& arg);

}  // namespace crsync::cli
