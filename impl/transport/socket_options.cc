#include "transport/socket_options.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace crsync::transport {
namespace {

enum class Type { kBool, kInt, kOn };

struct SocketOption {
  const char* name;
  int level;
  int option;
  int on_value;  // for kOn: the value set
  Type type;
};

// upstream socket.c socket_options[], the ones Linux has.
constexpr SocketOption kOptions[] = {
    {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 0, Type::kBool},
    {"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, 0, Type::kBool},
    {"SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, 0, Type::kBool},
    {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 0, Type::kBool},
    {"IPTOS_LOWDELAY", IPPROTO_IP, IP_TOS, IPTOS_LOWDELAY, Type::kOn},
    {"IPTOS_THROUGHPUT", IPPROTO_IP, IP_TOS, IPTOS_THROUGHPUT, Type::kOn},
    {"SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, 0, Type::kInt},
    {"SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, 0, Type::kInt},
    {"SO_SNDLOWAT", SOL_SOCKET, SO_SNDLOWAT, 0, Type::kInt},
    {"SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT, 0, Type::kInt},
    {"SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, 0, Type::kInt},
    {"SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, 0, Type::kInt},
};

}  // namespace

void set_socket_options(int fd, const std::string& options,
                        const std::function<void(const std::string&)>& report) {
  size_t i = 0;
  while (i < options.size()) {
    const size_t start = options.find_first_not_of(" \t,", i);
    if (start == std::string::npos) break;
    size_t end = options.find_first_of(" \t,", start);
    if (end == std::string::npos) end = options.size();
    std::string word = options.substr(start, end - start);
    i = end;
    int value = 1;
    bool got_value = false;
    if (const auto eq = word.find('='); eq != std::string::npos) {
      value = std::atoi(word.c_str() + eq + 1);
      got_value = true;
      word.resize(eq);
    }
    const SocketOption* opt = nullptr;
    for (const auto& o : kOptions)
      if (word == o.name) opt = &o;
    if (!opt) {
      report("Unknown socket option " + word);
      continue;
    }
    if (opt->type == Type::kOn) {
      if (got_value) report("syntax error -- " + word + " does not take a value");
      value = opt->on_value;
    }
    if (::setsockopt(fd, opt->level, opt->option, &value, sizeof value) != 0) {
      const int e = errno;
      report("failed to set socket option " + word + ": " + std::strerror(e) + " (" +
             std::to_string(e) + ")");
    }
  }
}

}  // namespace crsync::transport
