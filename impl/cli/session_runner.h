// The blocking driver: runs one session's roles over a byte channel, for
// each way crsync can be started: as a client over a remote shell's pipes,
// as a server on stdin/stdout, or both ends of a local copy in one process
// (threads over an in-memory pipe). The protocol code it runs (handshake,
// sender, receiving side) is the same whatever the channel.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "session/options.h"
#include "transport/byte_channel.h"

namespace crsync::cli {

struct SessionResult {
  Status status;      // a fatal error, if any
  int exit_code = 0;  // what the process should exit with
};

// Client side over an established channel to a server. `push`: we send
// `sources`; else we receive into `dest`.
SessionResult run_client(transport::ByteChannel& ch, const session::Options& o, bool push,
                         const std::vector<std::string>& sources, const std::string& dest,
                         bool local);

// Server side (--server), `args` being the paths after ".".
SessionResult run_server(transport::ByteChannel& ch, const session::Options& o,
                         const std::vector<std::string>& args, bool local);

// Formats "rsync error: <text> (code N) at <where> [<who>=<version>]".
std::string error_line(int code, const std::string& who);

}  // namespace crsync::cli
