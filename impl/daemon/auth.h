// Daemon authentication (upstream authenticate.c, compat.c
// negotiate_daemon_auth): the digest both sides use (the first of the
// client's greeting list that the server offers; md5 from protocol 30 or
// the old md4 form below it when the client sent no list), the challenge,
// the response (unpadded base64 of digest(password + challenge)), the
// "auth users" rules and the secrets file. No I/O: the caller reads the
// secrets file and passes its text.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "checksum/checksum_type.h"

namespace crsync::daemon {

// kMd4Old hashes four zero seed bytes before the data (CSUM_MD4_OLD).
using AuthDigest = checksum::ChecksumType;

// Upstream's base64 without '=' padding (authenticate.c base64_encode).
std::string base64_nopad(const uint8_t* data, size_t len);

// Server side: the digest for a client that sent `client_list` (nullopt:
// no list). Fails (with upstream's @ERROR line as message) when none fits.
Result<AuthDigest> server_auth_digest(const std::optional<std::string>& client_list, int protocol);
// Client side: the first of our list that the server's list holds.
Result<AuthDigest> client_auth_digest(const std::optional<std::string>& server_list, int protocol);

// The challenge: base64 of digest(32 bytes: address, seconds, microseconds, pid).
std::string make_challenge(const std::string& addr, AuthDigest d);
// base64(digest(password + challenge)).
std::string auth_response(const std::string& password, const std::string& challenge, AuthDigest d);

// One "auth users" entry: a user or @group wildcard with :ro/:rw/:deny.
struct AuthRule {
  std::string pattern;
  bool group = false;
  char opt = 0;  // 'r' read only, 'w' read-write, 'd' deny, 0 none
};
std::vector<AuthRule> parse_auth_users(const std::string& users);

struct AuthOutcome {
  std::string error;  // empty: accepted
  char opt = 0;       // the matched rule's option
};
// Checks a client's "user response" reply against the rules and the
// secrets file text (nullopt: no secrets file or refused by strict modes,
// with `secrets_error` the reason). `user_groups` are the groups of the
// local user of that name.
AuthOutcome check_auth(const std::vector<AuthRule>& rules, const std::string& user,
                       const std::string& response, const std::vector<std::string>& user_groups,
                       const std::optional<std::string>& secrets, const std::string& secrets_error,
                       const std::string& challenge, AuthDigest d);

}  // namespace crsync::daemon
