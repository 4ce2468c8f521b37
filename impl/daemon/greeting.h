// The daemon's text stage (upstream clientserver.c exchange_protocols,
// compat.c output_daemon_greeting): the "@RSYNCD: <proto>.<sub> <digests>"
// greeting each side writes first, the checks each side makes on the
// other's, and the protocol both then use. Also the line codec every text
// line of the stage goes through (a limit on its length, '\r' dropped).
// No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::daemon {

// The daemon-auth digests crsync offers, in upstream's preference order.
inline constexpr const char* kAuthDigestList = "sha512 sha256 sha1 md5 md4";

// "@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4\n"
std::string greeting_line(int protocol);

struct PeerGreeting {
  int protocol = 0;
  int sub = 0;
  std::optional<std::string> digests;  // the auth digest list, if sent
};

// Checks the peer's greeting line (without '\n'). On failure the status
// message is the text upstream prints: for a server, the "@ERROR: ..."
// line it sends; for a client, the "rsync: ..." message it prints.
Result<PeerGreeting> parse_greeting(std::string_view line, bool am_client);

// The protocol both sides use: the lower version, one less when the
// sub-protocols say a pre-release is involved.
int negotiated_protocol(int ours, const PeerGreeting& peer);

// Takes one '\n'-terminated line off the front of `r`: NeedMore if none is
// complete yet (nothing consumed), an error if it is longer than `max`
// bytes. '\r' characters are dropped, as upstream's read_line_old does.
Status take_line(ByteReader& r, size_t max, std::string* line);

}  // namespace crsync::daemon
