#include "daemon/daemon_server.h"

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

#include "daemon/config.h"
#include "daemon/daemon_log.h"
#include "daemon/daemon_session.h"
#include "transport/socket_options.h"

namespace crsync::daemon {
namespace {

constexpr int kRsyncPort = 873;                         // RSYNC_PORT
constexpr const char* kSysConfig = "/etc/rsyncd.conf";  // RSYNCD_SYSCONF
constexpr const char* kUserConfig = "rsyncd.conf";      // RSYNCD_USERCONF

int g_stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  const int saved = errno;
  if (g_stop_pipe[1] >= 0) (void)!::write(g_stop_pipe[1], "x", 1);
  errno = saved;
}

std::string config_path(const DaemonCommand& c) {
  if (!c.config.empty()) return c.config;
  return c.server && ::getuid() != 0 ? kUserConfig : kSysConfig;
}

// Opens the listening sockets: every address getaddrinfo gives.
std::vector<int> open_listeners(const std::string& address, int port, int family, int backlog,
                                const std::string& sockopts, const DaemonLog& log) {
  addrinfo hints{};
  hints.ai_family = family ? family : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string p = std::to_string(port);
  const int rc =
      ::getaddrinfo(address.empty() ? nullptr : address.c_str(), p.c_str(), &hints, &res);
  std::vector<int> out;
  if (rc != 0) {
    std::fprintf(stderr, "rsync: getaddrinfo: %s %d: %s\n", address.c_str(), port,
                 gai_strerror(rc));
    return out;
  }
  for (addrinfo* a = res; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    transport::set_socket_options(fd, sockopts, [&](const std::string& m) { log(m); });
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, backlog) != 0) {
      std::fprintf(stderr, "rsync: bind() failed: %s (address-family %d)\n", std::strerror(errno),
                   a->ai_family);
      ::close(fd);
      continue;
    }
    out.push_back(fd);
  }
  ::freeaddrinfo(res);
  return out;
}

// upstream create_pid_file, in short: a regular file, written with our pid.
bool create_pid_file(const std::string& path) {
  if (path.empty()) return true;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && ::unlink(path.c_str()) != 0)
    return false;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0664);
  if (fd < 0) return false;
  const std::string pid = std::to_string(::getpid()) + "\n";
  const bool ok = ::ftruncate(fd, 0) == 0 &&
                  ::write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
  ::close(fd);
  return ok;
}

void reap_children() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

}  // namespace

Status parse_daemon_args(const std::vector<std::string>& argv, DaemonCommand* out) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string a = argv[i];
    std::string value;
    bool has_value = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      has_value = true;
    }
    const auto need = [&](std::string* v) -> Status {
      if (has_value) {
        *v = value;
        return Status::Ok();
      }
      if (i + 1 >= argv.size()) return Status::Error(ExitCode::kSyntax, a + ": missing argument");
      *v = argv[++i];
      return Status::Ok();
    };
    std::string v;
    if (a == "--daemon" || a == "." || a == "--detach" || a == "-v" || a == "--verbose") continue;
    if (a == "--server") {
      out->server = true;
    } else if (a == "--no-detach") {
      out->no_detach = true;
    } else if (a == "--config") {
      CRSYNC_RETURN_IF_ERROR(need(&out->config));
    } else if (a == "--port") {
      CRSYNC_RETURN_IF_ERROR(need(&v));
      out->port = std::atoi(v.c_str());
    } else if (a == "--address") {
      CRSYNC_RETURN_IF_ERROR(need(&out->address));
    } else if (a == "--dparam" || a == "-M") {
      CRSYNC_RETURN_IF_ERROR(need(&v));
      if (v.find('=') == std::string::npos || !is_known_parameter(v.substr(0, v.find('='))))
        return Status::Error(ExitCode::kSyntax, "Unknown parameter \"" + v + "\"");
      out->dparams.push_back(v);
    } else if (a.rfind("-M", 0) == 0 && a.size() > 2) {
      out->dparams.push_back(a.substr(2));
    } else if (a == "--log-file") {
      CRSYNC_RETURN_IF_ERROR(need(&out->log_file));
    } else if (a == "--log-file-format") {
      CRSYNC_RETURN_IF_ERROR(need(&out->log_file_format));
    } else if (a == "--sockopts") {
      CRSYNC_RETURN_IF_ERROR(need(&out->sockopts));
    } else if (a == "--bwlimit") {
      CRSYNC_RETURN_IF_ERROR(need(&v));
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || n < 0)
        return Status::Error(ExitCode::kSyntax, "--bwlimit=" + v + ": bad numeric value");
      out->bwlimit = static_cast<int>(n);
    } else if (a == "-4" || a == "--ipv4") {
      out->family = AF_INET;
    } else if (a == "-6" || a == "--ipv6") {
      out->family = AF_INET6;
    } else if (a == "-h" || a == "--help") {
      out->help = true;
    } else if (out->server && a.size() > 1 && a[0] == '-' && a[1] != '-') {
      continue;  // short flags a client's remote shell may add
    } else {
      return Status::Error(ExitCode::kSyntax, a + ": unknown option");
    }
  }
  return Status::Ok();
}

int run_daemon(const DaemonCommand& cmd) {
  DaemonParams params;
  params.config_file = config_path(cmd);
  params.dparams = cmd.dparams;
  params.log_file = cmd.log_file;
  params.log_file_format = cmd.log_file_format;
  params.bwlimit = cmd.bwlimit;
  ::signal(SIGPIPE, SIG_IGN);

  struct stat st {};
  if (cmd.server || (::fstat(0, &st) == 0 && S_ISSOCK(st.st_mode))) {
    // A remote shell (or inetd) gave us one connection on stdin/stdout.
    params.over_rsh = cmd.server;
    return serve_connection(0, cmd.server ? 1 : 0, peer_address(0), params);
  }

  std::string errs;
  auto cfg = load_config(params.config_file, file_config_source(), cmd.dparams,
                         [&](const std::string& l) { errs += l + "\n"; });
  if (!cfg.ok()) {
    std::fputs(errs.c_str(), stderr);
    std::fprintf(stderr, "Failed to parse config file: %s\n", params.config_file.c_str());
    return 1;
  }
  const Section& g = cfg->globals;
  int port = cmd.port ? cmd.port : g.integer("rsync port");
  if (!port) port = kRsyncPort;
  const std::string address = !cmd.address.empty() ? cmd.address : g.str("bind address");
  const int backlog = g.integer("listen backlog") > 0 ? g.integer("listen backlog") : 5;

  if (!cmd.no_detach) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      std::fprintf(stderr, "failed to fork: %s\n", std::strerror(errno));
      return 11;
    }
    if (pid) ::_exit(0);
    ::setsid();
    for (int fd = 0; fd < 3; ++fd) {
      ::close(fd);
      (void)::open("/dev/null", O_RDWR);
    }
  }
  const std::string pid_file = g.str("pid file");
  if (!create_pid_file(pid_file)) {
    std::fprintf(stderr, "failed to create pid file %s: %s\n", pid_file.c_str(),
                 std::strerror(errno));
    return 11;
  }
  const DaemonLog log(!cmd.log_file.empty() ? cmd.log_file : g.str("log file"), g.str("syslog tag"),
                      syslog_facility(g.str("syslog facility")));
  log("rsyncd version " CRSYNC_VERSION "-crsync starting, listening on port " +
      std::to_string(port));
  // Stop signals are caught before the sockets listen: a client may
  // connect (and its starter signal us) as soon as they do.
  if (::pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return 10;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  const std::vector<int> listeners =
      open_listeners(address, port, cmd.family, backlog,
                     !cmd.sockopts.empty() ? cmd.sockopts : g.str("socket options"), log);
  if (listeners.empty()) {
    if (!pid_file.empty()) ::unlink(pid_file.c_str());
    std::fputs("rsync error: error in socket IO (code 10) at daemon_server.cc(0)\n", stderr);
    return 10;
  }

  std::vector<pollfd> fds;
  for (int fd : listeners) fds.push_back({fd, POLLIN, 0});
  fds.push_back({g_stop_pipe[0], POLLIN, 0});
  for (;;) {
    reap_children();
    const int r = ::poll(fds.data(), fds.size(), 1000);
    if (r < 0 && errno != EINTR) break;
    if (fds.back().revents) break;  // a stop signal
    for (size_t i = 0; i + 1 < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const int conn = ::accept4(fds[i].fd, nullptr, nullptr, 0);
      if (conn < 0) continue;
      const pid_t pid = ::fork();
      if (pid == 0) {
        for (int l : listeners) ::close(l);
        ::close(g_stop_pipe[0]);
        ::close(g_stop_pipe[1]);
        for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, SIG_DFL);
        const int one = 1;
        ::setsockopt(conn, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        const int rc = serve_connection(conn, conn, peer_address(conn), params);
        linger l{};
        socklen_t ll = sizeof l;
        const bool resetting =
            ::getsockopt(conn, SOL_SOCKET, SO_LINGER, &l, &ll) == 0 && l.l_onoff && l.l_linger == 0;
        if (!resetting) ::shutdown(conn, SHUT_WR);
        ::close(conn);
        ::_exit(rc);
      }
      if (pid < 0) {
        log(std::string("could not create child server process: ") + std::strerror(errno));
        ::sleep(1);
      }
      ::close(conn);
    }
  }
  for (int fd : listeners) ::close(fd);
  if (!pid_file.empty()) ::unlink(pid_file.c_str());
  log("rsyncd stopping");
  return 0;
}

}  // namespace crsync::daemon
