// Wildcards in the path arguments a daemon's client sends (upstream
// util1.c glob_expand, called from read_args): `*`, `?` and `[...]` in any
// component are matched against the names in the directory so far,
// relative to the current directory (the module's). A component after a
// wildcard must be a directory; `.` and `..` never match; an argument that
// matches nothing is kept as it was, so the sender reports it missing.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace crsync::daemon {

// Whether a matched name may be offered (the daemon's filter list;
// upstream skips daemon-excluded names). `is_dir` says what it is.
using GlobFilter = std::function<bool(const std::string& path, bool is_dir)>;

// Appends the expansion of `arg` (already sanitized) to `out`; false when
// nothing matched and `arg` itself was appended.
bool glob_expand(const std::string& arg, std::vector<std::string>* out,
                 const GlobFilter& allowed = nullptr);

}  // namespace crsync::daemon
