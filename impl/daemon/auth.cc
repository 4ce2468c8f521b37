#include "daemon/auth.h"

#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <sstream>

#include "checksum/hasher.h"
#include "daemon/greeting.h"
#include "filter/wildmatch.h"

namespace crsync::daemon {
namespace {

using checksum::ChecksumType;

std::vector<std::string> words(const std::string& s, const char* seps) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::strchr(seps, c)) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::optional<ChecksumType> by_name(const std::string& n) {
  if (n == "sha512") return ChecksumType::kSha512;
  if (n == "sha256") return ChecksumType::kSha256;
  if (n == "sha1") return ChecksumType::kSha1;
  if (n == "md5") return ChecksumType::kMd5;
  if (n == "md4") return ChecksumType::kMd4;
  return std::nullopt;
}

bool offered(const std::string& list, const std::string& name) {
  for (const auto& w : words(list, " "))
    if (w == name) return true;
  return false;
}

std::string digest_b64(ChecksumType d, const std::string& a, const std::string& b) {
  const bool old = d == ChecksumType::kMd4Old;
  checksum::Hasher h(old ? ChecksumType::kMd4 : d);
  if (old) {
    const uint8_t zero[4] = {0, 0, 0, 0};
    h.update(ByteSpan(zero, 4));
  }
  h.update(ByteSpan(reinterpret_cast<const uint8_t*>(a.data()), a.size()));
  h.update(ByteSpan(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
  uint8_t out[64];
  const int len = h.finish(out);
  return base64_nopad(out, static_cast<size_t>(len));
}

}  // namespace

std::string base64_nopad(const uint8_t* d, size_t len) {
  static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  const size_t n = (len * 8 + 5) / 6;
  for (size_t i = 0; i < n; ++i) {
    const size_t byte = (i * 6) / 8, bit = (i * 6) % 8;
    unsigned idx;
    if (bit < 3) {
      idx = (d[byte] >> (2 - bit)) & 0x3F;
    } else {
      idx = (static_cast<unsigned>(d[byte]) << (bit - 2)) & 0x3F;
      if (byte + 1 < len) idx |= d[byte + 1] >> (8 - (bit - 2));
    }
    out += b64[idx];
  }
  return out;
}

Result<AuthDigest> server_auth_digest(const std::optional<std::string>& client_list, int protocol) {
  const std::string list = client_list ? *client_list : (protocol >= 30 ? "md5" : "md4");
  for (const auto& w : words(list, " ")) {
    if (auto t = by_name(w)) {
      if (!client_list && *t == ChecksumType::kMd4) return ChecksumType::kMd4Old;
      return *t;
    }
  }
  return Status::Error(ExitCode::kUnsupported,
                       std::string("@ERROR: your client does not support one of our daemon-auth "
                                   "checksums: ") +
                           kAuthDigestList);
}

Result<AuthDigest> client_auth_digest(const std::optional<std::string>& server_list, int protocol) {
  if (!server_list) return protocol >= 30 ? ChecksumType::kMd5 : ChecksumType::kMd4Old;
  for (const auto& w : words(kAuthDigestList, " "))
    if (offered(*server_list, w)) return *by_name(w);
  return Status::Error(ExitCode::kUnsupported, "Failed to negotiate a daemon auth checksum choice");
}

std::string make_challenge(const std::string& addr, AuthDigest d) {
  uint8_t input[32] = {};
  std::memcpy(input, addr.data(), std::min<size_t>(addr.size(), 16));
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  const uint32_t v[3] = {static_cast<uint32_t>(tv.tv_sec), static_cast<uint32_t>(tv.tv_usec),
                         static_cast<uint32_t>(::getpid())};
  for (int i = 0; i < 3; ++i)
    for (int b = 0; b < 4; ++b) input[16 + 4 * i + b] = static_cast<uint8_t>(v[i] >> (8 * b));
  return digest_b64(d, std::string(reinterpret_cast<char*>(input), 32), std::string());
}

std::string auth_response(const std::string& password, const std::string& challenge, AuthDigest d) {
  return digest_b64(d, password, challenge);
}

std::vector<AuthRule> parse_auth_users(const std::string& users) {
  std::vector<AuthRule> out;
  for (auto tok : words(users, " ,\t")) {
    AuthRule r;
    const auto colon = tok.find(':');
    if (colon != std::string::npos) {
      const std::string o = tok.substr(colon + 1);
      tok.resize(colon);
      const char c0 =
          o.empty() ? 0 : static_cast<char>(std::tolower(static_cast<unsigned char>(o[0])));
      const char c1 =
          o.size() < 2 ? 0 : static_cast<char>(std::tolower(static_cast<unsigned char>(o[1])));
      if (c0 == 'r')
        r.opt = c1 == 'o' ? 'r' : c1 == 'w' ? 'w' : 0;
      else if (c0 == 'd')
        r.opt = 'd';
    }
    r.group = !tok.empty() && tok[0] == '@';
    r.pattern = r.group ? tok.substr(1) : tok;
    out.push_back(r);
  }
  return out;
}

AuthOutcome check_auth(const std::vector<AuthRule>& rules, const std::string& user,
                       const std::string& response, const std::vector<std::string>& user_groups,
                       const std::optional<std::string>& secrets, const std::string& secrets_error,
                       const std::string& challenge, AuthDigest d) {
  AuthOutcome out;
  const AuthRule* hit = nullptr;
  std::string group;
  for (const auto& r : rules) {
    if (!r.group) {
      if (filter::wildmatch(r.pattern, user)) {
        hit = &r;
        break;
      }
      continue;
    }
    for (const auto& g : user_groups) {
      if (filter::wildmatch(r.pattern, g)) {
        group = g;
        break;
      }
    }
    if (!group.empty()) {
      hit = &r;
      break;
    }
  }
  if (!hit) {
    out.error = "no matching rule";
    return out;
  }
  out.opt = hit->opt;
  if (hit->opt == 'd') {
    out.error = "denied by rule";
    return out;
  }
  if (!secrets) {
    out.error = secrets_error;
    return out;
  }
  if (!user.empty() && user[0] == '#') {
    out.error = "invalid username";
    return out;
  }
  // The first line for the user (and the first for @group) decides.
  out.error = "secret not found";
  bool want_user = true, want_group = !group.empty();
  std::istringstream in(*secrets);
  std::string line;
  while ((want_user || want_group) && std::getline(in, line)) {
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > 1023) line.resize(1023);
    bool is_group = !line.empty() && line[0] == '@';
    const std::string& name = is_group ? group : user;
    const bool& wanted = is_group ? want_group : want_user;
    const std::string s = is_group ? line.substr(1) : line;
    if (!wanted || s.compare(0, name.size(), name) != 0 || s.size() <= name.size() ||
        s[name.size()] != ':')
      continue;
    if (auth_response(s.substr(name.size() + 1), challenge, d) == response) {
      out.error.clear();
      return out;
    }
    out.error = "password mismatch";
    (is_group ? want_group : want_user) = false;
  }
  return out;
}

}  // namespace crsync::daemon
