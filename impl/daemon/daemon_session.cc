#include "daemon/daemon_session.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "daemon/config.h"
#include "daemon/daemon_log.h"
#include "daemon/greeting.h"
#include "daemon/module_server.h"
#include "daemon/text_io.h"
#include "wire/protocol_format.h"

namespace crsync::daemon {
namespace {

// Seconds a client has for the whole text stage (greeting, module,
// authentication, arguments) when the global section sets no "timeout".
constexpr int kDefaultTextStageSeconds = 60;

// upstream's MOTD: the file's bytes, then a newline.
void send_motd(TextIo& io, const std::string& file) {
  if (file.empty()) return;
  std::FILE* f = std::fopen(file.c_str(), "r");
  std::string text;
  if (f) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  (void)io.write(text + "\n");
}

// "daemon chroot", "daemon gid", "daemon uid": false when one fails.
bool apply_daemon_identity(const Section& g, const DaemonLog& log) {
  const std::string root = g.str("daemon chroot");
  if (!root.empty()) {
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) {
      log("daemon chroot(\"" + root + "\") failed: " + std::strerror(errno));
      return false;
    }
  }
  const std::string gid = g.str("daemon gid");
  if (!gid.empty()) {
    const group* gr = ::getgrnam(gid.c_str());
    const gid_t id = gr ? gr->gr_gid : static_cast<gid_t>(std::atol(gid.c_str()));
    if ((!gr && gid.find_first_not_of("0123456789") != std::string::npos) || ::setgid(id) != 0) {
      log("Invalid daemon gid: " + gid);
      return false;
    }
  }
  const std::string uid = g.str("daemon uid");
  if (!uid.empty()) {
    const passwd* pw = ::getpwnam(uid.c_str());
    const uid_t id = pw ? pw->pw_uid : static_cast<uid_t>(std::atol(uid.c_str()));
    if ((!pw && uid.find_first_not_of("0123456789") != std::string::npos) || ::setuid(id) != 0) {
      log("Invalid daemon uid: " + uid);
      return false;
    }
  }
  return true;
}

}  // namespace

std::string reverse_lookup(const std::string& addr) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, addr.c_str(), &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    len = sizeof *s4;
  } else if (::inet_pton(AF_INET6, addr.c_str(), &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    len = sizeof *s6;
  } else {
    return "UNKNOWN";
  }
  char host[NI_MAXHOST];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, nullptr, 0,
                    NI_NAMEREQD) != 0)
    return "UNKNOWN";
  return host;
}

std::string peer_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    // Over a remote shell: the client address ssh reports, if any.
    for (const char* var : {"SSH_CONNECTION", "SSH_CLIENT"}) {
      if (const char* v = std::getenv(var)) {
        std::string s(v);
        return s.substr(0, s.find(' '));
      }
    }
    return "0.0.0.0";
  }
  char buf[INET6_ADDRSTRLEN] = "0.0.0.0";
  if (ss.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a))
      ::inet_ntop(AF_INET, reinterpret_cast<const uint8_t*>(a) + 12, buf, sizeof buf);
    else
      ::inet_ntop(AF_INET6, a, buf, sizeof buf);
  }
  return buf;
}

int serve_connection(int in_fd, int out_fd, const std::string& addr, const DaemonParams& p) {
  std::string config_errors;
  const ConfigLog clog = [&](const std::string& l) { config_errors += l + "\n"; };
  auto cfg = load_config(p.config_file, file_config_source(), p.dparams, clog);
  const DaemonLog log(p.log_file.empty() && cfg.ok() ? cfg->globals.str("log file") : p.log_file,
                      cfg.ok() ? cfg->globals.str("syslog tag") : "rsyncd",
                      syslog_facility(cfg.ok() ? cfg->globals.str("syslog facility") : "daemon"));
  if (!config_errors.empty()) log(config_errors);
  if (!cfg.ok()) return static_cast<int>(ExitCode::kSyntax);
  const Section& g = cfg->globals;
  if (!apply_daemon_identity(g, log)) return static_cast<int>(ExitCode::kSyntax);

  const std::string host = g.boolean("reverse lookup") ? reverse_lookup(addr) : "UNDETERMINED";
  log("connect from " + host + " (" + addr + ")");

  TextIo io(in_fd, out_fd);
  const int stage_timeout = g.integer("timeout");
  io.set_deadline_seconds(stage_timeout > 0 ? stage_timeout : kDefaultTextStageSeconds);
  if (!io.write(greeting_line(wire::kProtocolVersion)).ok())
    return static_cast<int>(ExitCode::kSocketIo);
  send_motd(io, g.str("motd file"));

  std::string line;
  if (!io.read_line(&line).ok()) return static_cast<int>(ExitCode::kStreamIo);
  auto greeting = parse_greeting(line, false);
  if (!greeting.ok()) {
    (void)io.write(std::string(greeting.status().message()) + "\n");
    return static_cast<int>(ExitCode::kStartClient);
  }
  ModuleRequest req;
  req.in_fd = in_fd;
  req.out_fd = out_fd;
  req.greeting = *greeting;
  req.protocol = negotiated_protocol(wire::kProtocolVersion, *greeting);
  req.addr = addr;
  req.host = host;
  if (req.protocol < wire::kMinProtocolVersion) {
    log("protocol " + std::to_string(req.protocol) + " from " + addr + " is too old for crsync");
    (void)io.write("@ERROR: protocol startup error\n");
    return static_cast<int>(ExitCode::kProtocol);
  }

  if (!io.read_line(&line).ok()) return static_cast<int>(ExitCode::kStreamIo);
  const std::string early = wire::kDaemonEarlyInput;
  if (line.compare(0, early.size(), early) == 0) {
    const long n = std::strtol(line.c_str() + early.size(), nullptr, 10);
    if (n <= 0 || n > wire::kBigPathBufLen) {
      (void)io.write("@ERROR: invalid early_input length\n");
      return static_cast<int>(ExitCode::kSyntax);
    }
    std::string data;
    if (!io.read_exact(&data, static_cast<size_t>(n)).ok() || !io.read_line(&line).ok())
      return static_cast<int>(ExitCode::kStreamIo);
  }
  if (line.empty() || line == wire::kDaemonListCmd) {
    log("module-list request from " + host + " (" + addr + ")");
    std::string listing;
    for (const auto& m : cfg->modules) {
      if (!m.boolean("list")) continue;
      char buf[4096];
      std::snprintf(buf, sizeof buf, "%-15s\t%s\n", m.name().c_str(), m.str("comment").c_str());
      listing += buf;
    }
    if (req.protocol >= 25) listing += std::string(wire::kDaemonExit) + "\n";
    (void)io.write(listing);
    return 0;
  }
  if (line[0] == '#') {
    (void)io.write("@ERROR: Unknown command '" + line + "'\n");
    return static_cast<int>(ExitCode::kSyntax);
  }
  const int module = cfg->find(line);
  if (module < 0) {
    log("unknown module '" + line + "' tried from " + host + " (" + addr + ")");
    (void)io.write("@ERROR: Unknown module '" + line + "'\n");
    return static_cast<int>(ExitCode::kSyntax);
  }
  return serve_module(io, req, *cfg, module, log, p);
}

}  // namespace crsync::daemon
