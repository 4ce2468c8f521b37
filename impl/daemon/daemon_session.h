// One daemon connection, server side (upstream clientserver.c start_daemon
// and rsync_module): greeting and MOTD, the module request (or the
// listing), access checks, max connections, authentication, the module's
// uid/gid/path/chroot, pre- and post-xfer commands, "@RSYNCD: OK", the
// client's arguments, then the ordinary server session over the same
// connection with the module's settings applied. Runs in a process of its
// own (it may chdir, chroot and change user) and returns its exit code.
#pragma once

#include <string>
#include <vector>

namespace crsync::daemon {

struct DaemonParams {
  std::string config_file;           // --config
  std::vector<std::string> dparams;  // --dparam name=value
  std::string log_file;              // --log-file (overrides the config's)
  bool over_rsh = false;             // --server --daemon: stdin/stdout, no socket
  int bwlimit = 0;                   // --bwlimit (KiB/s): caps the client's
  std::string log_file_format;       // --log-file-format
};

// Serves one client on (in_fd, out_fd). `addr` is the peer's address.
int serve_connection(int in_fd, int out_fd, const std::string& addr, const DaemonParams& p);

// The name of `addr` by reverse DNS ("UNKNOWN" if it has none).
std::string reverse_lookup(const std::string& addr);

// The peer address of a socket ("0.0.0.0" if it has none): IPv4-mapped
// IPv6 addresses are shown as IPv4.
std::string peer_address(int fd);

}  // namespace crsync::daemon
