#include "cli/daemon_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/remote_command.h"
#include "cli/server_args.h"
#include "cli/session_runner.h"
#include "daemon/auth.h"
#include "daemon/greeting.h"
#include "daemon/text_io.h"
#include "session/handshake.h"
#include "transport/fd_channel.h"
#include "transport/socket_options.h"
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
  hints.ai_family = o.address_family ? o.address_family : AF_UNSPEC;
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
    transport::set_socket_options(
        s, o.sockopts, [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); });
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

// The connection to the daemon: over the remote shell when -e was given
// (`RSH [-l USER] HOST RSYNC-PATH --server --daemon .`, upstream's
// daemon_connection > 0), through RSYNC_CONNECT_PROG when it is set, else
// a TCP socket. Failures are printed; the status carries the exit code.
Result<Spawned> open_daemon_connection(const session::Options& o, const DaemonTarget& t, int port,
                                       const std::string& who) {
  if (!o.rsh.empty()) {
    auto words = remote_shell_words(o.rsh, t.user, t.host, true, o.address_family);
    if (!words.ok()) {
      std::fprintf(stderr, "rsync: %s\n", std::string(words.status().message()).c_str());
      return Status::Error(ExitCode::kSyntax, "");
    }
    words->push_back(o.rsync_path.empty() ? "rsync" : o.rsync_path);
    for (const char* a : {"--server", "--daemon", "."}) words->emplace_back(a);
    ::setenv("RSYNC_PORT", std::to_string(port).c_str(), 1);
    auto sp = spawn_piped(*words);
    if (!sp.ok()) {
      std::fprintf(stderr, "rsync: %s\n", std::string(sp.status().message()).c_str());
      return Status::Error(ExitCode::kIpc, "");
    }
    return sp;
  }
  if (const char* prog = std::getenv("RSYNC_CONNECT_PROG"); prog && *prog) {
    auto sp = spawn_connect_prog(expand_connect_prog(prog, t.host));
    if (!sp.ok()) {
      std::fprintf(stderr, "rsync: %s\n", std::string(sp.status().message()).c_str());
      return Status::Error(ExitCode::kSocketIo, "");
    }
    return sp;
  }
  int code = 0;
  const int fd = connect_to(t.host, port, o, &code, who);
  if (fd < 0) return Status::Error(static_cast<ExitCode>(code), "");
  return Spawned{-1, fd, fd};
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
  // Before the session starts upstream's client names itself "Receiver"
  // when pulling (who_am_i before am_receiver is set).
  const std::string who = push ? "sender" : "Receiver";
  const std::string first = remote_paths.empty() ? std::string() : remote_paths.front();
  if (!first.empty() && first[0] == '/')
    return fail(5, "ERROR: The remote path must start with a module name not a /", "Receiver");
  const int port = t.port ? t.port : (o.daemon_port ? o.daemon_port : kRsyncPort);
  ::signal(SIGPIPE, SIG_IGN);
  auto conn = open_daemon_connection(o, t, port, who);
  if (!conn.ok()) return fail(conn.status().exit_status(), "", who);
  const int in_fd = conn->in, out_fd = conn->out;
  // Until the session's channel takes the descriptors they are closed on
  // every way out; the program behind them (remote shell or connect
  // program) is reaped last, once it has seen them closed.
  struct Guard {
    Spawned c;
    bool handed = false;
    void close_fds() {
      if (handed) return;
      handed = true;
      ::close(c.in);
      if (c.out != c.in) ::close(c.out);
    }
    ~Guard() {
      close_fds();
      if (c.pid > 0) ::waitpid(c.pid, nullptr, 0);
    }
  } guard{*conn};
  std::string user = t.user;
  daemon::TextIo io(in_fd, out_fd);
  const int ours = o.protocol ? o.protocol : wire::kProtocolVersion;
  if (!io.write(daemon::greeting_line(ours)).ok()) return fail(10, "", who);
  std::string line;
  if (const Status rs = io.read_line(&line, 4096); !rs.ok()) {
    guard.close_fds();
    // A read error (not an orderly close) is upstream's safe_read failure.
    if (rs.exit_code() == ExitCode::kStreamIo && rs.message() != "connection closed")
      return fail(
          12, "rsync: [" + who + "] safe_read failed to read 1 bytes: " + std::string(rs.message()),
          who);
    return fail(5, "rsync: did not see server greeting", who);
  }
  auto g = daemon::parse_greeting(line, true);
  if (!g.ok()) {
    guard.close_fds();
    return fail(5, std::string(g.status().message()), who);
  }
  const int protocol = daemon::negotiated_protocol(ours, *g);
  if (protocol < wire::kMinProtocolVersion) {
    guard.close_fds();
    return fail(2, "rsync: protocol " + std::to_string(protocol) + " is older than crsync supports",
                who);
  }
  const std::string module = first.substr(0, first.find('/'));
  if (!io.write(module + "\n").ok()) return fail(10, "", who);
  const bool listing = module.empty();
  for (;;) {
    if (!io.read_line(&line, 4096).ok()) {
      guard.close_fds();
      if (listing) return 0;  // an old server just closes after the listing
      return fail(5, "rsync: didn't get server startup line", who);
    }
    if (line.compare(0, 18, wire::kDaemonAuthReqd) == 0) {
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
      guard.close_fds();
      return 0;
    }
    if (line.compare(0, 6, wire::kDaemonError) == 0) {
      guard.close_fds();
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
  guard.handed = true;
  transport::FdChannel ch(in_fd, out_fd, true);
  if (o.timeout) ch.set_timeout_seconds(o.timeout);
  DaemonSession ds;
  ds.protocol = protocol;
  SessionResult res = run_client(ch, o, push, sources, dest, false, &ds);
  if (res.await_death) await_server_exit(in_fd, res.who);
  ch.close_write();
  return res.exit_code;
}

}  // namespace crsync::cli
