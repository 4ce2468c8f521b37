// What `crsync --version` prints: the same shape as upstream's (name,
// version, protocol; capabilities; the checksum, compress and daemon-auth
// lists this build negotiates).
#pragma once

#include <string>

namespace crsync::cli {

std::string version_text();

}  // namespace crsync::cli
