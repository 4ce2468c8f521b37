// Starting the program at the other end of a client connection: the
// remote shell (`-e`, RSYNC_RSH, "ssh"), and RSYNC_CONNECT_PROG, which
// stands in for the daemon's TCP socket (upstream socket.c sock_exec).
// The client sessions above only see the two descriptors.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace crsync::cli {

struct Spawned {
  pid_t pid = -1;
  int in = -1;   // what the program writes to us
  int out = -1;  // what we write to it
};

// Runs argv[0] (looked up on PATH) with its stdin and stdout on pipes. A
// program that cannot be executed exits 127 after upstream's message.
Result<Spawned> spawn_piped(const std::vector<std::string>& argv);

// The remote shell command words for `host`: RSH split as upstream does
// (quotes honoured), `-l USER` unless the shell command already has `-l`
// and `keep_dash_l` is set, `-4`/`-6` for ssh when an address family was
// asked for, then the host.
Result<std::vector<std::string>> remote_shell_words(const std::string& rsh, const std::string& user,
                                                    const std::string& host, bool keep_dash_l,
                                                    int family);

// RSYNC_CONNECT_PROG with every "%H" replaced by the host and "%%" by "%".
std::string expand_connect_prog(const std::string& prog, const std::string& host);

// Runs `sh -c PROG` ($RSYNC_SHELL if set) on one end of a TCP socket pair
// on the loopback, as upstream does; `in` and `out` are both the other end.
Result<Spawned> spawn_connect_prog(const std::string& prog);

}  // namespace crsync::cli
