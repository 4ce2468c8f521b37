#include "daemon/access.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "filter/wildmatch.h"

namespace crsync::daemon {
namespace {

bool iwildmatch(const std::string& pat, const std::string& text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return filter::wildmatch(pat, t);
}

bool match_hostname(std::string* host, const std::string& addr, const std::string& tok,
                    bool forward) {
  if (host->empty()) return false;
  if (*host != "UNDETERMINED" && iwildmatch(tok, *host)) return true;
  if (!forward) return false;
  // Only a plain hostname is resolved.
  if (tok.find_first_not_of(".0123456789") == std::string::npos) return false;
  if (tok.find_first_of(":/*?[") != std::string::npos) return false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(tok.c_str(), nullptr, &hints, &res) != 0) return false;
  bool hit = false;
  for (addrinfo* a = res; a && !hit; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* p =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (::inet_ntop(a->ai_family, p, buf, sizeof buf) && addr == buf) hit = true;
  }
  ::freeaddrinfo(res);
  if (hit && *host == "UNDETERMINED") *host = tok;
  return hit;
}

// Parses a numeric address into 4 or 16 bytes; 0 if not one.
int to_bytes(const std::string& s, uint8_t* out) {
  if (::inet_pton(AF_INET, s.c_str(), out) == 1) return 4;
  if (::inet_pton(AF_INET6, s.c_str(), out) == 1) return 16;
  return 0;
}

}  // namespace

bool match_address(const std::string& addr, const std::string& token) {
  if (addr.empty()) return false;
  const auto slash = token.find('/');
  const std::string tok = token.substr(0, slash);
  if (tok.find_first_not_of(".0123456789") != std::string::npos &&
      tok.find(':') == std::string::npos)
    return false;  // a hostname
  uint8_t a[16], t[16], mask[16];
  const int alen = to_bytes(addr, a);
  const int tlen = to_bytes(tok, t);
  if (!alen || !tlen || alen != tlen) return false;
  int bits = alen * 8;
  if (slash != std::string::npos) {
    const std::string m = token.substr(slash + 1);
    if (to_bytes(m, mask) == alen) {
      bits = -1;
    } else {
      char* end = nullptr;
      const long b = std::strtol(m.c_str(), &end, 10);
      if (m.empty() || *end) return false;  // malformed mask
      if (b == 0) return true;
      if (b < 0 || b > alen * 8) return false;
      bits = static_cast<int>(b);
    }
  }
  if (bits >= 0) {
    for (int i = 0; i < alen; ++i) {
      const int have = bits - i * 8;
      mask[i] = have >= 8 ? 0xFF : have <= 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - have));
    }
  }
  for (int i = 0; i < alen; ++i)
    if ((a[i] ^ t[i]) & mask[i]) return false;
  return true;
}

namespace {
bool access_match(const std::string& list, const std::string& addr, std::string* host,
                  bool forward) {
  std::string lower;
  for (char c : list) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string tok;
  std::vector<std::string> toks;
  for (char c : lower) {
    if (c == ' ' || c == ',' || c == '\t') {
      if (!tok.empty()) toks.push_back(tok);
      tok.clear();
    } else {
      tok += c;
    }
  }
  if (!tok.empty()) toks.push_back(tok);
  for (const auto& t : toks)
    if (match_hostname(host, addr, t, forward) || match_address(addr, t)) return true;
  return false;
}
}  // namespace

bool allow_access(const std::string& allow, const std::string& deny, const std::string& addr,
                  std::string* host, bool forward_lookup) {
  if (!allow.empty()) {
    if (access_match(allow, addr, host, forward_lookup)) return true;
    if (deny.empty()) return false;
  }
  if (!deny.empty() && access_match(deny, addr, host, forward_lookup)) return false;
  return true;
}

}  // namespace crsync::daemon
