#include "cli/daemon_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/server_args.h"
#include "cli/session_runner.h"
#include "daemon/auth.h"
#include "daemon/greeting.h"
#include "daemon/text_io.h"
#include "session/handshake.h"
#include "transport/fd_channel.h"
#include "wire/protocol_format.h"

namespace crsync::cli {
namespace {

constexpr int kRsyncPort = 873;  // RSYNC_PORT

int fail(int code, const std::string& msg, const std::string& who) {
  if (!msg.empty()) std::fprintf(stderr, "%s\n", msg.c_str());
  std::fputs(error_line(code, who).c_str(), stderr);
  return code;
}

// Connects to host:port; -1 with the message printed on failure.
int connect_to(const std::string& host, int port, const session::Options& o, int* code,
               const std::string& who) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) {
    std::fprintf(stderr, "rsync: getaddrinfo: %s %d: %s\n", host.c_str(), port, gai_strerror(rc));
    *code = 10;
    return -1;
  }
  int fd = -1;
  std::string errors;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    const int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) continue;
    if (!o.bind_address.empty()) {
      addrinfo* b = nullptr;
      addrinfo bh{};
      bh.ai_family = a->ai_family;
      bh.ai_socktype = SOCK_STREAM;
      if (::getaddrinfo(o.bind_address.c_str(), nullptr, &bh, &b) == 0) {
        (void)::bind(s, b->ai_addr, b->ai_addrlen);
        ::freeaddrinfo(b);
      }
    }
    int r;
    if (o.contimeout > 0) {
      ::fcntl(s, F_SETFL, O_NONBLOCK);
      r = ::connect(s, a->ai_addr, a->ai_addrlen);
      if (r < 0 && errno == EINPROGRESS) {
        pollfd p{s, POLLOUT, 0};
        const int pr = ::poll(&p, 1, o.contimeout * 1000);
        if (pr == 0) {
          ::close(s);
          ::freeaddrinfo(res);
          std::fputs("rsync: connection to server timed out\n", stderr);
          *code = 35;
          return -1;
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
        errno = err;
        r = err ? -1 : 0;
      }
      ::fcntl(s, F_SETFL, 0);
    } else {
      r = ::connect(s, a->ai_addr, a->ai_addrlen);
    }
    if (r == 0) {
      fd = s;
      break;
    }
    char addr[NI_MAXHOST] = "?";
    ::getnameinfo(a->ai_addr, a->ai_addrlen, addr, sizeof addr, nullptr, 0, NI_NUMERICHOST);
    errors += "rsync: [" + who + "] failed to connect to " + host + " (" + addr +
              "): " + std::strerror(errno) + " (" + std::to_string(errno) + ")\n";
    ::close(s);
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    std::fputs(errors.c_str(), stderr);
    *code = 10;
  }
  return fd;
}

// The password: --password-file (strict about its modes), RSYNC_PASSWORD,
// or the terminal.
bool get_password(const session::Options& o, std::string* pass, int* code) {
  if (!o.password_file.empty()) {
    std::string text;
    if (o.password_file == "-") {
      char buf[512];
      if (std::fgets(buf, sizeof buf, stdin)) text = buf;
    } else {
      const int fd = ::open(o.password_file.c_str(), O_RDONLY);
      if (fd < 0) {
        std::fprintf(stderr, "rsync: could not open password file %s: %s (%d)\n",
                     o.password_file.c_str(), std::strerror(errno), errno);
        *code = 1;
        return false;
      }
      struct stat st {};
      ::fstat(fd, &st);
      if (st.st_mode & 06) {
        std::fputs("ERROR: password file must not be other-accessible\n", stderr);
        ::close(fd);
        *code = 1;
        return false;
      }
      if (::getuid() == 0 && st.st_uid != 0) {
        std::fputs("ERROR: password file must be owned by root when running as root\n", stderr);
        ::close(fd);
        *code = 1;
        return false;
      }
      char buf[512];
      const ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ::close(fd);
      if (n > 0) text.assign(buf, static_cast<size_t>(n));
    }
    const auto end = text.find_first_of("\r\n");
    text = text.substr(0, end);
    if (text.empty()) {
      std::fprintf(stderr, "ERROR: failed to read a password from %s\n", o.password_file.c_str());
      *code = 1;
      return false;
    }
    *pass = text;
    return true;
  }
  if (const char* env = std::getenv("RSYNC_PASSWORD")) {
    *pass = env;
    return true;
  }
  const char* p = ::getpass("Password: ");
  *pass = p ? p : "";
  return true;
}

}  // namespace

bool parse_daemon_target(const std::string& arg, DaemonTarget* out) {
  std::string rest;
  if (arg.size() >= 8 && strncasecmp(arg.c_str(), "rsync://", 8) == 0) {
    rest = arg.substr(8);
    const auto slash = rest.find('/');
    std::string hostpart = rest.substr(0, slash);
    out->path = slash == std::string::npos ? "" : rest.substr(slash + 1);
    const auto at = hostpart.rfind('@');
    if (at != std::string::npos) {
      out->user = hostpart.substr(0, at);
      hostpart = hostpart.substr(at + 1);
    }
    if (!hostpart.empty() && hostpart[0] == '[') {
      const auto close = hostpart.find(']');
      if (close == std::string::npos) return false;
      out->host = hostpart.substr(1, close - 1);
      hostpart = hostpart.substr(close + 1);
      if (!hostpart.empty() && hostpart[0] == ':') out->port = std::atoi(hostpart.c_str() + 1);
    } else {
      const auto colon = hostpart.find(':');
      out->host = hostpart.substr(0, colon);
      if (colon != std::string::npos) out->port = std::atoi(hostpart.c_str() + colon + 1);
    }
    return !out->host.empty();
  }
  const auto dc = arg.find("::");
  if (dc == std::string::npos) return false;
  std::string hostpart = arg.substr(0, dc);
  out->path = arg.substr(dc + 2);
  const auto at = hostpart.rfind('@');
  if (at != std::string::npos) {
    out->user = hostpart.substr(0, at);
    hostpart = hostpart.substr(at + 1);
  }
  if (hostpart.size() >= 2 && hostpart.front() == '[' && hostpart.back() == ']')
    hostpart = hostpart.substr(1, hostpart.size() - 2);
  out->host = hostpart;
  return !out->host.empty();
}

namespace {

// After MSG_ERROR_EXIT: reads (and drops) whatever the server still sends
// until it closes, for at most a minute; a failed read is reported as
// upstream's noop_io_until_death does, the exit code staying the session's.
void await_server_exit(int fd, const std::string& who) {
  char buf[4096];
  for (int waited = 0; waited < 60000;) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, 1000);
    if (n == 0) {
      waited += 1000;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const ssize_t r = n > 0 ? ::read(fd, buf, sizeof buf) : -1;
    if (r > 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int e = errno;
      std::fprintf(stderr, "rsync: [%s] read error: %s (%d)\n", who.c_str(), std::strerror(e), e);
    }
    return;
  }
}

}  // namespace

int run_daemon_client(const session::Options& o, const DaemonTarget& t, bool push,
                      const std::vector<std::string>& sources, const std::string& dest,
                      const std::vector<std::string>& remote_paths) {
  const std::string who = push ? "sender" : "receiver";
  const std::string first = remote_paths.empty() ? std::string() : remote_paths.front();
  if (!first.empty() && first[0] == '/')
    return fail(5, "ERROR: The remote path must start with a module name not a /", "Receiver");
  const int port = t.port ? t.port : (o.daemon_port ? o.daemon_port : kRsyncPort);
  ::signal(SIGPIPE, SIG_IGN);
  int code = 0;
  const int fd = connect_to(t.host, port, o, &code, who);
  if (fd < 0) return fail(code, "", who);
  daemon::TextIo io(fd, fd);
  const int ours = o.protocol ? o.protocol : wire::kProtocolVersion;
  if (!io.write(daemon::greeting_line(ours)).ok()) return fail(10, "", who);
  std::string line;
  if (!io.read_line(&line, 4096).ok()) {
    ::close(fd);
    return fail(5, "rsync: did not see server greeting", who);
  }
  auto g = daemon::parse_greeting(line, true);
  if (!g.ok()) {
    ::close(fd);
    return fail(5, std::string(g.status().message()), who);
  }
  const int protocol = daemon::negotiated_protocol(ours, *g);
  if (protocol < wire::kMinProtocolVersion) {
    ::close(fd);
    return fail(2, "rsync: protocol " + std::to_string(protocol) + " is older than crsync supports",
                who);
  }
  const std::string module = first.substr(0, first.find('/'));
  if (!io.write(module + "\n").ok()) return fail(10, "", who);
  const bool listing = module.empty();
  for (;;) {
    if (!io.read_line(&line, 4096).ok()) {
      ::close(fd);
      if (listing) return 0;  // an old server just closes after the listing
      return fail(5, "rsync: didn't get server startup line", who);
    }
    if (line.compare(0, 18, wire::kDaemonAuthReqd) == 0) {
      std::string user = t.user;
      if (user.empty())
        if (const char* u = std::getenv("USER")) user = u;
      if (user.empty())
        if (const char* u = std::getenv("LOGNAME")) user = u;
      if (user.empty()) user = "nobody";
      auto d = daemon::client_auth_digest(g->digests, protocol);
      std::string pass;
      int pcode = 0;
      if (!d.ok()) return fail(4, std::string(d.status().message()), who);
      if (!get_password(o, &pass, &pcode)) return fail(pcode, "", who);
      (void)io.write(user + " " + daemon::auth_response(pass, line.substr(18), *d) + "\n");
      continue;
    }
    if (line == wire::kDaemonOk) break;
    if (line == wire::kDaemonExit) {
      ::close(fd);
      return 0;
    }
    if (line.compare(0, 6, wire::kDaemonError) == 0) {
      ::close(fd);
      return fail(5, line, who);
    }
    // MOTD and listing lines alike (upstream cannot tell them apart).
    if (!o.no_motd) std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }
  // The server arguments, then the module paths ("mod" alone is "mod/").
  std::vector<std::string> args = server_options(
      o, push, protocol, session::client_capabilities(o, o.allows_inc_recurse(!push)));
  args.emplace_back(".");
  for (const auto& p : remote_paths) {
    if (p == module) {
      args.push_back(module + "/");
      continue;
    }
    args.push_back(p.size() && p[0] == '-' ? "./" + p : p);
  }
  std::string wire_args;
  for (const auto& a : args) wire_args += a + (protocol >= 30 ? '\0' : '\n');
  wire_args += protocol >= 30 ? '\0' : '\n';
  if (!io.write(wire_args).ok()) return fail(10, "", who);
  transport::FdChannel ch(fd, fd, true);
  if (o.timeout) ch.set_timeout_seconds(o.timeout);
  DaemonSession ds;
  ds.protocol = protocol;
  SessionResult res = run_client(ch, o, push, sources, dest, false, &ds);
  if (res.await_death) await_server_exit(fd, res.who);
  ch.close_write();
  return res.exit_code;
}

}  // namespace crsync::cli
