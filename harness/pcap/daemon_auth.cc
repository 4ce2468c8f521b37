#include "pcap/daemon_auth.h"

#include <openssl/evp.h>

#include <sstream>
#include <vector>

namespace crsync::pcap {
namespace {

std::string base64_unpadded(const unsigned char* p, size_t n) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | p[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += k[(acc << (6 - bits)) & 63];
  return out;
}

}  // namespace

Result<std::string> daemon_auth_response(const std::string& greeting, const std::string& password,
                                         const std::string& challenge) {
  std::istringstream in(greeting);
  std::string word;
  std::vector<std::string> offered;
  in >> word >> word;  // "@RSYNCD:" and the version
  while (in >> word) offered.push_back(word);
  std::string chosen = "md5";
  for (const char* mine : {"sha512", "sha256", "sha1", "md5"}) {
    bool listed = false;
    for (const auto& o : offered) listed |= o == mine;
    if (listed) {
      chosen = mine;
      break;
    }
  }
  const EVP_MD* md = chosen == "sha512"   ? EVP_sha512()
                     : chosen == "sha256" ? EVP_sha256()
                     : chosen == "sha1"   ? EVP_sha1()
                                          : EVP_md5();
  const std::string input = password + challenge;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(input.data(), input.size(), digest, &n, md, nullptr))
    return Status::Protocol("digest failed");
  return base64_unpadded(digest, n);
}

}  // namespace crsync::pcap
