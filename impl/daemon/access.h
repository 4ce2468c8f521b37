// "hosts allow" / "hosts deny" (upstream access.c): a listed allow match
// always admits; an allow list without a deny list refuses everyone else;
// a deny match refuses; all others are admitted. Entries are addresses
// (IPv4 or IPv6), address/prefix-length or address/mask, and hostname
// wildcards matched against the reverse-resolved name (and, with forward
// lookup, a plain hostname resolved and compared with the address).
#pragma once

#include <string>

namespace crsync::daemon {

// `host` may be updated (a forward-lookup match names an undetermined host).
bool allow_access(const std::string& allow, const std::string& deny, const std::string& addr,
                  std::string* host, bool forward_lookup);

// One token against the address (no name resolution): for tests.
bool match_address(const std::string& addr, const std::string& token);

}  // namespace crsync::daemon
