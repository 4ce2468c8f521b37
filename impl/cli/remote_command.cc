#include "cli/remote_command.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/server_args.h"

namespace crsync::cli {
namespace {

Status errno_status(ExitCode code, const std::string& what) {
  const int e = errno;
  return Status::Error(code, what + ": " + std::strerror(e) + " (" + std::to_string(e) + ")");
}

[[noreturn]] void exec_or_die(std::vector<std::string> argv) {
  std::vector<char*> ptrs;
  for (auto& a : argv) ptrs.push_back(a.data());
  ptrs.push_back(nullptr);
  ::execvp(ptrs[0], ptrs.data());
  std::fprintf(stderr, "rsync: Failed to exec %s: %s (%d)\n", ptrs[0], std::strerror(errno), errno);
  std::_Exit(static_cast<int>(ExitCode::kCmdNotFound));
}

// Two connected TCP sockets on the loopback (upstream socketpair_tcp), so
// the program sees a real TCP peer: its address, and a reset when it
// exits with input unread.
bool tcp_socket_pair(int sv[2]) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  sv[0] = sv[1] = -1;
  bool ok = ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            ::listen(listener, 1) == 0 &&
            ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  if (ok) sv[0] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ok = ok && sv[0] >= 0 && ::connect(sv[0], reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (ok) sv[1] = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ok = ok && sv[1] >= 0;
  const int saved = errno;
  ::close(listener);
  if (!ok) {
    if (sv[0] >= 0) ::close(sv[0]);
    if (sv[1] >= 0) ::close(sv[1]);
  }
  errno = saved;
  return ok;
}

}  // namespace

Result<Spawned> spawn_piped(const std::vector<std::string>& argv) {
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0) return errno_status(ExitCode::kIpc, "pipe");
  if (::pipe(from_child) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return errno_status(ExitCode::kIpc, "pipe");
  }
  const pid_t pid = ::fork();
  if (pid < 0) return errno_status(ExitCode::kIpc, "fork");
  if (pid == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
    exec_or_die(argv);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  return Spawned{pid, from_child[0], to_child[1]};
}

Result<std::vector<std::string>> remote_shell_words(const std::string& rsh, const std::string& user,
                                                    const std::string& host, bool keep_dash_l,
                                                    int family) {
  std::vector<std::string> cmd;
  CRSYNC_RETURN_IF_ERROR(split_shell_command(rsh, &cmd));
  if (cmd.empty()) return Status::Error(ExitCode::kSyntax, "The remote-shell command is empty.");
  bool dash_l = false;
  for (size_t i = 0; i + 1 < cmd.size(); ++i)
    if (cmd[i] == "-l" && cmd[i + 1][0] != '-') dash_l = true;
  if (!user.empty() && !(keep_dash_l && dash_l)) {
    cmd.push_back("-l");
    cmd.push_back(user);
  }
  const std::string& prog = cmd.front();
  const auto slash = prog.rfind('/');
  if (prog.substr(slash == std::string::npos ? 0 : slash + 1) == "ssh") {
    if (family == AF_INET) cmd.push_back("-4");
    if (family == AF_INET6) cmd.push_back("-6");
  }
  cmd.push_back(host);
  return cmd;
}

std::string expand_connect_prog(const std::string& prog, const std::string& host) {
  std::string out;
  for (size_t i = 0; i < prog.size(); ++i) {
    if (prog[i] == '%' && i + 1 < prog.size()) {
      if (prog[i + 1] == 'H') {
        out += host;
        ++i;
        continue;
      }
      if (prog[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
    }
    out += prog[i];
  }
  return out;
}

Result<Spawned> spawn_connect_prog(const std::string& prog) {
  int sv[2];
  if (!tcp_socket_pair(sv)) return errno_status(ExitCode::kSocketIo, "socketpair_tcp failed");
  const pid_t pid = ::fork();
  if (pid < 0) return errno_status(ExitCode::kSocketIo, "fork");
  if (pid == 0) {
    ::close(sv[0]);
    ::dup2(sv[1], 0);
    ::dup2(sv[1], 1);
    const char* shell = std::getenv("RSYNC_SHELL");
    if (!shell || !*shell) shell = "/bin/sh";
    exec_or_die({shell, "-c", prog});
  }
  ::close(sv[1]);
  return Spawned{pid, sv[0], sv[0]};
}

}  // namespace crsync::cli
