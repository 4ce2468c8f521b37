// A module's settings for the transfer itself, applied to the session's
// options once the client's arguments say which way it goes (upstream
// clientserver.c rsync_module): the filter list ("filter", "include",
// "exclude", "include from", "exclude from"), "incoming chmod" or
// "outgoing chmod", "ignore nonreadable", "open noatime", and "transfer
// logging" with its "log format".
#pragma once

#include <map>
#include <string>

#include "daemon/config.h"
#include "daemon/daemon_log.h"
#include "filter/daemon_filter.h"
#include "session/options.h"

namespace crsync::daemon {

// The module's filter parameters and the files "include from" and
// "exclude from" name, read before any chroot (as upstream does).
struct ModuleFilterFiles {
  filter::DaemonFilterParams params;
  std::map<std::string, std::string> files;  // path -> text
};

// Reads them; a file that cannot be opened is logged, and the connection
// ends with exit code 11 before "@RSYNCD: OK" (upstream's fatal
// parse_filter_file). 0 when all is well.
int read_module_filters(const Section& m, const DaemonLog& log, ModuleFilterFiles* out);

// Who is on the other end, for the log format's %h, %a and %u.
struct ModuleIdentity {
  std::string host;
  std::string addr;
  std::string user;
  // The daemon's --log-file-format: when set, every file is logged with it,
  // "transfer logging" or not (upstream's logfile_format).
  std::string log_file_format;
};

// Applies the settings to `o` (whose am_sender is known). `log` receives
// the transfer log lines and outlives the session. Returns an error
// message when the filter list does not parse ("" otherwise).
std::string apply_module_settings(const Section& m, const ModuleFilterFiles& f,
                                  const ModuleIdentity& who, const DaemonLog* log,
                                  session::Options* o);

// The daemon's own escapes of a "log format" filled in: `vals` maps the
// letter (h, a, m, u, P) to its value; widths ("%-15h") are honoured, the
// other escapes are left for the per-file engine (session/out_format.h).
std::string fill_daemon_escapes(const std::string& fmt, const std::map<char, std::string>& vals);

}  // namespace crsync::daemon
