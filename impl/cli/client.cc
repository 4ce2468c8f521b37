#include "cli/client.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cli/daemon_client.h"
#include "cli/remote_command.h"
#include "cli/server_args.h"
#include "cli/session_runner.h"
#include "session/handshake.h"
#include "session/local_bridge.h"
#include "transport/fd_channel.h"
#include "transport/memory_pipe.h"
#include "wire/protocol_format.h"

namespace crsync::cli {
namespace {

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "rsync: %s\n", msg.c_str());
  std::fputs(error_line(1, "client").c_str(), stderr);
  return 1;
}

int run_local(const session::Options& o, const std::vector<std::string>& sources,
              const std::string& dest) {
  auto [client_end, server_end] = transport::make_memory_pipe();
  session::Options co = o;
  co.local_bridge = std::make_shared<session::LocalBridge>();
  session::Options so = co;
  so.am_server = true;
  so.am_sender = false;
  so.client_caps = session::client_capabilities(o, o.allows_inc_recurse(true));
  SessionResult server_res;
  transport::MemoryChannel* sch = server_end.get();
  std::thread server([&] {
    server_res = run_server(*sch, so, {dest}, true);
    if (!server_res.status.ok()) sch->abort();
    sch->close_write();
  });
  SessionResult res = run_client(*client_end, co, true, sources, dest, true);
  if (!res.status.ok()) client_end->abort();
  client_end->close_write();
  server.join();
  // The receiving side's own failure (a write error, say) is what cut the
  // sender's stream short: its code is the copy's, as upstream's local
  // copy exits with the receiver's status then.
  if (res.exit_code == static_cast<int>(ExitCode::kStreamIo) && server_res.exit_code)
    return server_res.exit_code;
  if (res.exit_code) return res.exit_code;
  return server_res.exit_code;
}

int run_remote_shell(const session::Options& o, const HostSpec& remote, bool push,
                     const std::vector<std::string>& sources, const std::string& dest,
                     const std::vector<std::string>& remote_paths) {
  std::string rsh = o.rsh;
  if (rsh.empty()) {
    const char* env = std::getenv("RSYNC_RSH");
    rsh = env && *env ? env : "ssh";
  }
  auto words = remote_shell_words(rsh, remote.user, remote.host, false, o.address_family);
  if (!words.ok()) return usage_error(std::string(words.status().message()));
  std::vector<std::string> cmd = std::move(*words);
  cmd.push_back(o.rsync_path.empty() ? "rsync" : o.rsync_path);
  const int proto = o.protocol ? o.protocol : wire::kProtocolVersion;
  const auto sargs =
      server_options(o, push, proto, session::client_capabilities(o, o.allows_inc_recurse(!push)));
  // -s: the command line stops after the letters; the rest goes over the
  // connection as NUL-terminated strings after a new "rsync" arg0, ended
  // by an empty one (upstream send_protected_args).
  std::string secluded;
  size_t shown = sargs.size();
  if (o.secluded_args) {
    shown = 0;
    while (shown < sargs.size() && !(sargs[shown][0] == '-' && sargs[shown][1] != '-')) ++shown;
    shown = std::min(shown + 1, sargs.size());
    std::vector<std::string> rest(sargs.begin() + static_cast<long>(shown), sargs.end());
    rest.insert(rest.begin(), "rsync");
    rest.push_back(".");
    for (const auto& p : remote_paths) rest.push_back(p.empty() ? "." : p);
    for (const auto& a : rest) {
      secluded += a.empty() ? "." : a;
      secluded += '\0';
    }
    secluded += '\0';
  }
  for (size_t i = 0; i < shown; ++i) cmd.push_back(sargs[i]);
  if (!o.secluded_args) {
    cmd.push_back(".");
    for (const auto& p : remote_paths) cmd.push_back(safe_path_arg(p.empty() ? "." : p));
  }

  auto spawned = spawn_piped(cmd);
  if (!spawned.ok()) {
    std::fprintf(stderr, "rsync: %s\n", std::string(spawned.status().message()).c_str());
    return 12;
  }
  const pid_t pid = spawned->pid;
  ::signal(SIGPIPE, SIG_IGN);
  for (size_t off = 0; off < secluded.size();) {
    const ssize_t n = ::write(spawned->out, secluded.data() + off, secluded.size() - off);
    if (n <= 0 && errno != EINTR) break;  // the session reports the broken pipe
    if (n > 0) off += static_cast<size_t>(n);
  }
  transport::FdChannel ch(spawned->in, spawned->out, true);
  if (o.timeout) ch.set_timeout_seconds(o.timeout);
  int wstatus = 0;
  bool reaped = false;
  // After a failed session: the remote shell's status if it has ended.
  // When the connection closed under us it is ending, and is given a
  // moment to become reapable; otherwise it is only asked (upstream's
  // WNOHANG), so a server that merely follows our failure does not count.
  auto peer_status = [&](bool at_eof) -> int {
    for (int i = 0; i < (at_eof ? 50 : 1) && !reaped; ++i) {
      if (::waitpid(pid, &wstatus, WNOHANG) == pid)
        reaped = true;
      else if (at_eof)
        ::usleep(10000);
    }
    return reaped && WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 0;
  };
  SessionResult res = run_client(ch, o, push, sources, dest, false, nullptr, peer_status);
  ch.close_write();
  if (!reaped) ::waitpid(pid, &wstatus, 0);
  if (res.exit_code) return res.exit_code;
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
    int st = WEXITSTATUS(wstatus);
    st = st == 255 ? 124 : st;
    // The server's exit status is the session's (as upstream's client
    // reports it after waiting for the remote shell).
    std::fputs(error_line(st, push ? "sender" : "receiver").c_str(), stderr);
    return st;
  }
  return 0;
}

// host::module/path or rsync://host/module/path: a pull when the first
// argument is the daemon's, else a push to the last.
int run_daemon_command(const session::Options& o, const std::vector<std::string>& args, bool pull) {
  DaemonTarget t;
  if (!parse_daemon_target(pull ? args.front() : args.back(), &t))
    return usage_error("invalid daemon address: " + (pull ? args.front() : args.back()));
  if (args.size() == 1) {
    // A single argument lists: the daemon's modules without a module, else
    // the path (a pull without a destination, as for a remote shell).
    if (t.path.empty() || t.path.find_first_not_of('/') == std::string::npos)
      return run_daemon_client(o, t, false, {}, std::string(), {std::string()});
    return run_daemon_client(o, t, false, {}, std::string(), {t.path});
  }
  std::vector<std::string> remote_paths;
  if (pull) {
    if (parse_host_spec(args.back()).remote)
      return usage_error("The source and destination cannot both be remote.");
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      DaemonTarget ti;
      if (!parse_daemon_target(args[i], &ti) || ti.host != t.host)
        return usage_error("Unexpected local arg: " + args[i]);
      remote_paths.push_back(ti.path);
    }
    return run_daemon_client(o, t, false, {}, args.back(), remote_paths);
  }
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (parse_host_spec(args[i]).remote) return usage_error("Unexpected remote arg: " + args[i]);
  std::vector<std::string> sources(args.begin(), args.end() - 1);
  return run_daemon_client(o, t, true, sources, std::string(), {t.path});
}

}  // namespace

HostSpec parse_host_spec(const std::string& arg) {
  HostSpec h;
  if (arg.size() >= 8 && strncasecmp(arg.c_str(), "rsync://", 8) == 0) {
    h.remote = h.daemon = true;
    return h;
  }
  size_t host_start = 0;
  for (size_t i = 0; i < arg.size(); ++i) {
    const char c = arg[i];
    if (c == '/') return h;
    if (c == '@') host_start = i + 1;
    if (c == '[' && i == host_start) {
      const auto close = arg.find(']', i);
      if (close == std::string::npos) return h;
      i = close;
      continue;
    }
    if (c == ':') {
      h.remote = true;
      if (host_start > 0) h.user = arg.substr(0, host_start - 1);
      h.host = arg.substr(host_start, i - host_start);
      if (h.host.size() >= 2 && h.host.front() == '[' && h.host.back() == ']')
        h.host = h.host.substr(1, h.host.size() - 2);
      if (i + 1 < arg.size() && arg[i + 1] == ':') {
        h.daemon = true;
        h.path = arg.substr(i + 2);
      } else {
        h.path = arg.substr(i + 1);
      }
      return h;
    }
  }
  return h;
}

int run_client_command(const session::Options& o, const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("no source or destination given");
  const HostSpec first = parse_host_spec(args.front());
  // A single argument is listed (the option parser made it --list-only):
  // a remote one by pulling without a destination, a local one by a local
  // copy whose receiving side only lists.
  if (args.size() == 1 && !first.daemon) {
    if (first.remote) {
      if (o.files_from.size() && parse_host_spec(o.files_from).remote &&
          !parse_host_spec(o.files_from).host.empty() &&
          parse_host_spec(o.files_from).host != first.host)
        return usage_error("--files-from hostname is not the same as the transfer hostname");
      return run_remote_shell(o, first, false, {}, std::string(), {first.path});
    }
    return run_local(o, args, ".");
  }
  const HostSpec last = parse_host_spec(args.back());
  if (first.daemon || last.daemon) return run_daemon_command(o, args, first.daemon);
  if (args.size() == 1)
    return usage_error("listing a single argument (--list-only) is not supported yet");
  // A remote --files-from (host:FILE or :FILE) is read by the server, so
  // it must name the transfer's host.
  const HostSpec list =
      o.files_from.empty() || o.files_from == "-" ? HostSpec{} : parse_host_spec(o.files_from);
  auto list_host_ok = [&](const HostSpec& transfer) {
    return !list.remote || list.host.empty() || list.host == transfer.host;
  };
  if (first.remote) {
    if (last.remote) return usage_error("The source and destination cannot both be remote.");
    if (!list_host_ok(first))
      return usage_error("--files-from hostname is not the same as the transfer hostname");
    std::vector<std::string> remote_paths;
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      const HostSpec h = parse_host_spec(args[i]);
      if (!h.remote || (!h.host.empty() && h.host != first.host))
        return usage_error("Unexpected local arg: " + args[i]);
      remote_paths.push_back(h.path);
    }
    return run_remote_shell(o, first, false, {}, args.back(), remote_paths);
  }
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (parse_host_spec(args[i]).remote) return usage_error("Unexpected remote arg: " + args[i]);
  std::vector<std::string> sources(args.begin(), args.end() - 1);
  if (last.remote) {
    if (!list_host_ok(last))
      return usage_error("--files-from hostname is not the same as the transfer hostname");
    return run_remote_shell(o, last, true, sources, std::string(), {last.path});
  }
  if (list.remote) return usage_error("--files-from cannot be remote when the transfer is local");
  return run_local(o, sources, args.back());
}

}  // namespace crsync::cli
