// "refuse options" (upstream options.c set_refuse_options and
// create_refuse_error): which of the options in a client's server
// argument list the module refuses. Patterns are wildcards matched against
// an option's long name and its short letter; "a"/"archive" stands for the
// options -a implies; a leading '!' accepts again; a few options (-e,
// -0, -s, -n, --sender, --server, --checksum-seed, --log-format, --iconv)
// only refuse by exact name; --copy-devices, --write-devices and
// --log-file* are always refused by a daemon; refusing "delete" refuses
// every deletion option and refusing "compress" every compression option.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace crsync::daemon {

// The first refused option in `argv` (the options before "."), as
// upstream's message: "The server is configured to refuse --delete" (with
// " (-z)" when the option has a short form). nullopt when none is.
std::optional<std::string> refused_option(const std::string& refuse_list,
                                          const std::vector<std::string>& argv);

}  // namespace crsync::daemon
