#include "base/exit_code.h"

namespace crsync {

const char* exit_code_text(ExitCode code) {
  switch (code) {
    case ExitCode::kOk: return "success";
    case ExitCode::kSyntax: return "syntax or usage error";
    case ExitCode::kProtocol: return "protocol incompatibility";
    case ExitCode::kFileSelect: return "errors selecting input/output files, dirs";
    case ExitCode::kUnsupported: return "requested action not supported";
    case ExitCode::kStartClient: return "error starting client-server protocol";
    case ExitCode::kSocketIo: return "error in socket IO";
    case ExitCode::kFileIo: return "error in file IO";
    case ExitCode::kStreamIo: return "error in rsync protocol data stream";
    case ExitCode::kMessageIo: return "errors with program diagnostics";
    case ExitCode::kIpc: return "error in IPC code";
    case ExitCode::kCrashed: return "sibling process crashed";
    case ExitCode::kTerminated: return "sibling process terminated abnormally";
    case ExitCode::kSignal1: return "received SIGUSR1";
    case ExitCode::kSignal: return "received SIGINT, SIGTERM, or SIGHUP";
    case ExitCode::kWaitChild: return "waitpid() failed";
    case ExitCode::kMalloc: return "error allocating core memory buffers";
    case ExitCode::kPartial: return "some files/attrs were not transferred (see previous errors)";
    case ExitCode::kVanished: return "some files vanished before they could be transferred";
    case ExitCode::kDelLimit: return "the --max-delete limit stopped deletions";
    case ExitCode::kTimeout: return "timeout in data send/receive";
    case ExitCode::kConTimeout: return "timeout waiting for daemon connection";
    case ExitCode::kCmdFailed: return "remote shell failed";
    case ExitCode::kCmdKilled: return "remote shell killed";
    case ExitCode::kCmdRun: return "remote command could not be run";
    case ExitCode::kCmdNotFound: return "remote command not found";
  }
  return "unexplained error";
}

}  // namespace crsync
