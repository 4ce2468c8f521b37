// A module's "early exec", "pre-xfer exec" and "post-xfer exec" commands
// (upstream clientserver.c start_pre_exec, write_pre_exec_args,
// finish_pre_exec and the post-xfer fork): each runs through /bin/sh with
// the RSYNC_* environment. The pre-xfer command gets the request in
// RSYNC_REQUEST and the arguments in RSYNC_ARG0.. (read from a pipe);
// its standard output is shown to the client only if it fails, which
// refuses the transfer. The post-xfer command runs in a process that
// waits for the transfer's exit status (RSYNC_EXIT_STATUS, RSYNC_RAW_STATUS).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace crsync::daemon {

class PreExec {
 public:
  // Starts `cmd`; false if it could not be started.
  bool start(const std::string& cmd, bool capture_output);
  // Sends the request and arguments, waits; empty when it succeeded, else
  // upstream's "<desc> returned failure (N):\n<output>" text.
  std::string finish(const std::string& desc, const std::string& request,
                     const std::vector<std::string>& args);

 private:
  pid_t pid_ = -1;
  int arg_fd_ = -1;
  int out_fd_ = -1;
};

// Forks: the child returns (and becomes the transfer); the parent closes
// `fds`, waits for it, runs `cmd` and exits with the transfer's status.
// Returns false if the fork failed.
bool fork_for_post_exec(const std::string& cmd, const std::vector<int>& fds);

// setenv, for the RSYNC_* variables.
void set_env(const std::string& name, const std::string& value);

}  // namespace crsync::daemon
