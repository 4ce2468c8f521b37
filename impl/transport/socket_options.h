// Socket options by name, as upstream's --sockopts and the daemon's
// "socket options" parameter give them (socket.c set_socket_options):
// words separated by spaces, tabs or commas, each NAME or NAME=INT.
#pragma once

#include <functional>
#include <string>

namespace crsync::transport {

// Sets each option on `fd`. An unknown name, a value given to an option
// that takes none, or a failed setsockopt is reported through `report`
// (upstream's wording) and the rest are still applied.
void set_socket_options(int fd, const std::string& options,
                        const std::function<void(const std::string&)>& report);

}  // namespace crsync::transport
