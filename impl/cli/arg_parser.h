// Parses an rsync command line (client) or the argument vector a client
// sends to a server ("--server [--sender] -flags[e.caps] --long... . paths")
// into session::Options plus the positional arguments. popt semantics:
// bundled short options, "-B700"/"-B 700", "--opt=value"/"--opt value",
// and --no-OPTION negations.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "session/options.h"

namespace crsync::cli {

struct ParsedArgs {
  session::Options opts;
  std::vector<std::string> args;  // positional arguments
  bool show_version = false;
  bool show_help = false;
  bool daemon = false;                   // --daemon
  std::vector<std::string> unsupported;  // options crsync parses but cannot honour yet
  // How -r, -d and -R were given, for upstream's --files-from rules: -a's
  // recursion yields to --files-from, an explicit -r does not.
  int recurse_level = 0;    // 2: -r, 1: only through -a, 0: off
  int xfer_dirs = -1;       // 2: -d, 0: --no-d, -1: neither
  int f_count = 0;          // how many -F were given
  int relative_paths = -1;  // 1: -R, 0: --no-R, -1: neither (--files-from implies -R)
  bool bare_error = false;  // the error is printed as it is (no "rsync: ")
  // Set by a daemon serving a module without a chroot: how a path an option
  // names (--exclude-from, --include-from here; the caller does the rest)
  // is kept inside the module (upstream sanitize_paths).
  std::function<std::string(const std::string&)> confine_path;
};

Status parse_args(const std::vector<std::string>& argv, ParsedArgs* out);

}  // namespace crsync::cli
