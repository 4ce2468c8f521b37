// crsync's entry point. At this stage of the project only --version and
// --help are implemented; every other invocation says so and exits with
// rsync's "requested action not supported" code (4).
#include <cstdio>
#include <cstring>
#include <string>

#include "base/exit_code.h"
#include "cli/version.h"

namespace {

constexpr const char* kUsage = "crsync " CRSYNC_VERSION
                               " - an rsync-compatible file transfer program\n"
                               "\n"
                               "Usage: crsync [OPTION]... SRC [SRC]... DEST\n"
                               "\n"
                               "  -V, --version    print the version and other info and exit\n"
                               "  -h, --help       show this help\n";

}  // namespace

int main(int argc, char** argv) {
  using crsync::ExitCode;
  if (argc < 2) {
    // Like rsync: the version block and the usage on stderr, exit code 1.
    std::fputs(crsync::cli::version_text().c_str(), stderr);
    std::fputs("\n", stderr);
    std::fputs(kUsage, stderr);
    return static_cast<int>(ExitCode::kSyntax);
  }
  const std::string arg = argv[1];
  if (arg == "--version" || arg == "-V") {
    std::fputs(crsync::cli::version_text().c_str(), stdout);
    return 0;
  }
  if (arg == "--help" || (arg == "-h" && argc == 2)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "crsync: transfers are not implemented yet in this build\n");
  std::fprintf(stderr, "crsync error: %s (code %d)\n",
               crsync::exit_code_text(ExitCode::kUnsupported),
               static_cast<int>(ExitCode::kUnsupported));
  return static_cast<int>(ExitCode::kUnsupported);
}
