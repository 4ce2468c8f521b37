#include "daemon/greeting.h"

#include <cstdio>

#include "wire/protocol_format.h"

namespace crsync::daemon {

std::string greeting_line(int protocol) {
  return std::string(wire::kDaemonGreetingPrefix) + std::to_string(protocol) + "." +
         std::to_string(wire::kSubprotocolVersion) + " " + kAuthDigestList + "\n";
}

Result<PeerGreeting> parse_greeting(std::string_view line, bool am_client) {
  const std::string l(line);
  PeerGreeting g;
  int proto = 0, sub = -1;
  const int n = std::sscanf(l.c_str(), "@RSYNCD: %d.%d", &proto, &sub);
  if (n < 1) {
    return Status::Error(ExitCode::kStartClient,
                         am_client ? "rsync: server sent \"" + l + "\" rather than greeting"
                                   : std::string("@ERROR: protocol startup error"));
  }
  g.protocol = proto;
  if (sub < 0) {
    if (proto >= 30) {
      return Status::Error(ExitCode::kStartClient,
                           am_client ? "rsync: the server omitted the subprotocol value: " + l
                                     : "@ERROR: your client omitted the subprotocol value: " + l);
    }
    sub = 0;
  }
  g.sub = sub;
  // The digest list follows the first space after "@RSYNCD:".
  const size_t sp = l.size() > 9 ? l.find(' ', 9) : std::string::npos;
  if (sp != std::string::npos) {
    g.digests = l.substr(sp + 1);
  } else if (proto > 31) {
    return Status::Error(ExitCode::kStartClient,
                         am_client ? "rsync: the server omitted the digest name list: " + l
                                   : "@ERROR: your client omitted the digest name list: " + l);
  }
  return g;
}

int negotiated_protocol(int ours, const PeerGreeting& peer) {
  int p = ours;
  if (p > peer.protocol) {
    p = peer.protocol;
    if (peer.sub) --p;
  } else if (p == peer.protocol) {
    if (peer.sub != wire::kSubprotocolVersion) --p;
  }
  return p;
}

Status take_line(ByteReader& r, size_t max, std::string* line) {
  const ByteSpan rest = r.rest();
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '\n') {
      line->clear();
      for (size_t j = 0; j < i; ++j)
        if (rest[j] != '\r') line->push_back(static_cast<char>(rest[j]));
      if (line->size() > max) return Status::Protocol("line too long");
      (void)r.skip(i + 1);
      return Status::Ok();
    }
  }
  if (rest.size() > max) return Status::Protocol("line too long");
  return Status::NeedMore();
}

}  // namespace crsync::daemon
