// The daemon auth response a client computes (upstream authenticate.c
// generate_hash): base64 (unpadded) of digest(password + challenge), the
// digest being the first of the client's choices (sha512 sha256 sha1 md5)
// that the server's greeting lists; md5 when the greeting lists none
// (protocol >= 30). Pure.
#pragma once

#include <string>

#include "base/status.h"

namespace crsync::pcap {

// `greeting`: the server's "@RSYNCD: 32.0 sha512 ..." line.
Result<std::string> daemon_auth_response(const std::string& greeting, const std::string& password,
                                         const std::string& challenge);

}  // namespace crsync::pcap
