// The blocking driver: runs one session's roles over a byte channel, for
// each way crsync can be started: as a client over a remote shell's pipes,
// as a server on stdin/stdout, or both ends of a local copy in one process
// (threads over an in-memory pipe). The protocol code it runs (handshake,
// sender, receiving side) is the same whatever the channel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "session/options.h"
#include "transport/byte_channel.h"

namespace crsync::cli {

// A daemon connection (rsync:// or host::module): the text stage already
// settled the protocol, so the session starts without the version
// exchange. A daemon server also applies its module's verdicts once the
// session is set up and multiplexed, as upstream does (so the client gets
// them as error messages).
struct DaemonSession {
  int protocol = 0;                // from the greeting exchange
  bool errors_as_messages = true;  // a socket daemon has no stderr for the client
  std::string fatal_error;  // text sent, then exit `fatal_code` (refused option, pre-xfer exec)
  int fatal_code = 4;
  bool read_only = false;   // a receiving server refuses (exit 1)
  bool write_only = false;  // a sending server refuses (exit 1)
  int io_timeout = 0;       // announced with MSG_IO_TIMEOUT from 31
  std::string module;       // the module's name, for file errors
};

struct SessionResult {
  Status status;      // a fatal error, if any
  int exit_code = 0;  // what the process should exit with
  // The client ended with MSG_ERROR_EXIT (sent or answered): over a daemon
  // socket it then reads until the server goes away (upstream
  // noop_io_until_death), and names itself `who` if that read fails.
  bool await_death = false;
  std::string who;
  // A daemon server refused a pull and ended without reading what the
  // client had sent: upstream exits with it unread in the socket, which
  // resets the connection. `left_input_unread`: some of it was buffered.
  bool refused_pull = false;
  bool left_input_unread = false;
};

// Client side over an established channel to a server. `push`: we send
// `sources`; else we receive into `dest`.
// `peer_status`, when given, reaps the remote shell after a failed
// session if it has ended (given a moment when `at_eof`: the connection
// closed because it ended): a higher exit status of it (127: remote
// command not found) is the client's, as upstream's _exit_cleanup makes it.
SessionResult run_client(transport::ByteChannel& ch, const session::Options& o, bool push,
                         const std::vector<std::string>& sources, const std::string& dest,
                         bool local, const DaemonSession* daemon = nullptr,
                         const std::function<int(bool at_eof)>& peer_status = {});

// Server side (--server), `args` being the paths after ".".
SessionResult run_server(transport::ByteChannel& ch, const session::Options& o,
                         const std::vector<std::string>& args, bool local,
                         const DaemonSession* daemon = nullptr);

// Formats "rsync error: <text> (code N) at <where> [<who>=<version>]".
std::string error_line(int code, const std::string& who);

}  // namespace crsync::cli
