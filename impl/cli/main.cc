// crsync's entry point: parses the command line, then runs as a server
// (--server, started by an rsync client), or as a client (local copy or
// remote shell). Exit codes are rsync's.
#include <glob.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "base/exit_code.h"
#include "cli/arg_parser.h"
#include "cli/client.h"
#include "cli/session_runner.h"
#include "cli/version.h"
#include "daemon/daemon_server.h"
#include "transport/fd_channel.h"

namespace {

constexpr const char* kUsage =
    "crsync is an rsync-compatible file transfer program.\n"
    "\n"
    "Usage: crsync [OPTION]... SRC [SRC]... DEST\n"
    "  or   crsync [OPTION]... SRC [SRC]... [USER@]HOST:DEST\n"
    "  or   crsync [OPTION]... [USER@]HOST:SRC [DEST]\n"
    "\n"
    "Options are rsync's; see rsync(1). Not every option is implemented yet:\n"
    "an option crsync cannot honour is refused with exit code 4.\n";

// -s on a server: the rest of the arguments arrive on standard input as
// NUL-terminated strings (the first is a new arg0), ended by an empty one
// (upstream read_args). Read a byte at a time: the client's protocol bytes
// follow at once.
bool read_secluded_args(std::vector<std::string>* out) {
  constexpr size_t kMaxArg = 64 * 1024, kMaxArgs = 64 * 1024;
  std::string cur;
  for (;;) {
    char c;
    const ssize_t n = ::read(0, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) return false;
    if (c != '\0') {
      if (cur.size() >= kMaxArg) return false;
      cur += c;
      continue;
    }
    if (cur.empty()) return true;
    if (out->size() >= kMaxArgs) return false;
    out->push_back(std::move(cur));
    cur.clear();
  }
}

// The server expands wildcards in secluded path arguments itself (no
// remote shell saw them); a pattern matching nothing stays as it is.
std::vector<std::string> glob_paths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  bool seen_dot = false;
  for (const auto& a : args) {
    if (!seen_dot || a.find_first_of("*?[") == std::string::npos) {
      seen_dot = seen_dot || a == ".";
      out.push_back(a);
      continue;
    }
    glob_t g{};
    if (::glob(a.c_str(), GLOB_NOCHECK, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    } else {
      out.push_back(a);
    }
    ::globfree(&g);
  }
  return out;
}

int run_server_command(const crsync::cli::ParsedArgs& p) {
  // The arguments are "." and then the paths.
  std::vector<std::string> paths;
  bool seen_dot = false;
  for (const auto& a : p.args) {
    if (!seen_dot && a == ".") {
      seen_dot = true;
      continue;
    }
    paths.push_back(a);
  }
  ::signal(SIGPIPE, SIG_IGN);
  crsync::transport::FdChannel ch(0, 1, false);
  if (p.opts.timeout) ch.set_timeout_seconds(p.opts.timeout);
  const auto res = crsync::cli::run_server(ch, p.opts, paths, false);
  return res.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  using crsync::ExitCode;
  std::setlocale(LC_CTYPE, "");
  std::setlocale(LC_NUMERIC, "");
  if (argc < 2) {
    std::fputs(crsync::cli::version_text().c_str(), stderr);
    std::fputs("\n", stderr);
    std::fputs(kUsage, stderr);
    return static_cast<int>(ExitCode::kSyntax);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  // --daemon (listening, or over a remote shell with --server) has its own
  // command line.
  for (const auto& a : args) {
    if (a == "--") break;
    if (a != "--daemon") continue;
    crsync::daemon::DaemonCommand dc;
    const crsync::Status ds = crsync::daemon::parse_daemon_args(args, &dc);
    if (!ds.ok()) {
      std::fprintf(stderr, "rsync: %s\n", std::string(ds.message()).c_str());
      std::fputs(crsync::cli::error_line(ds.exit_status(), "daemon").c_str(), stderr);
      return ds.exit_status();
    }
    if (dc.help) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    return crsync::daemon::run_daemon(dc);
  }
  crsync::cli::ParsedArgs p;
  crsync::Status s = crsync::cli::parse_args(args, &p);
  const std::string who = p.opts.am_server ? "server" : "client";
  if (!s.ok()) {
    std::fprintf(stderr, "rsync: %s\n", std::string(s.message()).c_str());
    std::fputs(crsync::cli::error_line(s.exit_status(), who).c_str(), stderr);
    return s.exit_status();
  }
  if (p.show_version) {
    std::fputs(crsync::cli::version_text().c_str(), stdout);
    return 0;
  }
  if (p.show_help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!p.unsupported.empty() || p.daemon) {
    std::string what = p.daemon ? "--daemon" : p.unsupported.front();
    std::fprintf(stderr, "rsync: %s is not supported by this build of crsync yet\n", what.c_str());
    std::fputs(crsync::cli::error_line(4, who).c_str(), stderr);
    return 4;
  }
  if (p.opts.am_server && p.opts.secluded_args) {
    std::vector<std::string> more;
    if (!read_secluded_args(&more)) {
      std::fputs("rsync: invalid or truncated secluded arguments\n", stderr);
      std::fputs(crsync::cli::error_line(12, who).c_str(), stderr);
      return 12;
    }
    if (!more.empty()) more.erase(more.begin());  // the new arg0
    args.insert(args.end(), more.begin(), more.end());
    crsync::cli::ParsedArgs full;
    s = crsync::cli::parse_args(args, &full);
    if (!s.ok()) {
      std::fprintf(stderr, "rsync: %s\n", std::string(s.message()).c_str());
      std::fputs(crsync::cli::error_line(s.exit_status(), who).c_str(), stderr);
      return s.exit_status();
    }
    if (!full.unsupported.empty()) {
      std::fprintf(stderr, "rsync: %s is not supported by this build of crsync yet\n",
                   full.unsupported.front().c_str());
      std::fputs(crsync::cli::error_line(4, who).c_str(), stderr);
      return 4;
    }
    full.args = glob_paths(full.args);
    return run_server_command(full);
  }
  if (p.opts.am_server) return run_server_command(p);
  return crsync::cli::run_client_command(p.opts, p.args);
}
