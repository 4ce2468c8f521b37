// The argument vector a client sends to start a server (upstream options.c
// server_options + main.c do_cmd): "--server", "--sender" for a pull, the
// combined short-option word with its "e." capability suffix, the long
// options in upstream's order, ".", then the remote paths.
#pragma once

#include <string>
#include <vector>

#include "session/options.h"

namespace crsync::cli {

// `client_is_sender`: a push. `protocol`: the version the client will
// announce (the "e." suffix needs >= 30). `caps`: the capability letters.
std::vector<std::string> server_options(const session::Options& o, bool client_is_sender,
                                        int protocol, const std::string& caps);

// Backslash-escapes a remote path for the remote shell (upstream safe_arg).
std::string safe_path_arg(const std::string& path);

// Splits an -e/RSYNC_RSH command into words: spaces separate, '...' and
// "..." quote (a doubled quote inside is a literal quote), no escapes.
Status split_shell_command(const std::string& cmd, std::vector<std::string>* words);

}  // namespace crsync::cli
