// crsync's entry point: parses the command line, then runs as a server
// (--server, started by an rsync client), or as a client (local copy or
// remote shell). Exit codes are rsync's.
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
  crsync::cli::ParsedArgs p;
  crsync::Status s = crsync::cli::parse_args(args, &p);
  const std::string who = p.opts.am_server ? "server" : "client";
  if (!s.ok()) {
    std::fprintf(stderr, p.bare_error ? "%s\n" : "rsync: %s\n", std::string(s.message()).c_str());
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
  if (p.opts.am_server) return run_server_command(p);
  return crsync::cli::run_client_command(p.opts, p.args);
}
