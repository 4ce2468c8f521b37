// rsync's process exit codes, as upstream's errcode.h defines them.
// Every failure in crsync carries one of these, decided where the failure is
// understood (see status.h).
#pragma once

namespace crsync {

enum class ExitCode : int {
  kOk = 0,            // RERR_OK
  kSyntax = 1,        // RERR_SYNTAX: syntax or usage error
  kProtocol = 2,      // RERR_PROTOCOL: protocol incompatibility
  kFileSelect = 3,    // RERR_FILESELECT: errors selecting input/output files
  kUnsupported = 4,   // RERR_UNSUPPORTED: requested action not supported
  kStartClient = 5,   // RERR_STARTCLIENT: error starting client-server protocol
  kSocketIo = 10,     // RERR_SOCKETIO
  kFileIo = 11,       // RERR_FILEIO
  kStreamIo = 12,     // RERR_STREAMIO: error in rsync protocol data stream
  kMessageIo = 13,    // RERR_MESSAGEIO
  kIpc = 14,          // RERR_IPC
  kCrashed = 15,      // RERR_CRASHED: sibling crashed
  kTerminated = 16,   // RERR_TERMINATED
  kSignal1 = 19,      // RERR_SIGNAL1: SIGUSR1
  kSignal = 20,       // RERR_SIGNAL: SIGINT, SIGTERM, SIGHUP
  kWaitChild = 21,    // RERR_WAITCHILD
  kMalloc = 22,       // RERR_MALLOC
  kPartial = 23,      // RERR_PARTIAL: partial transfer
  kVanished = 24,     // RERR_VANISHED: file(s) vanished on sender side
  kDelLimit = 25,     // RERR_DEL_LIMIT: skipped deletes due to --max-delete
  kTimeout = 30,      // RERR_TIMEOUT
  kConTimeout = 35,   // RERR_CONTIMEOUT
  kCmdFailed = 124,   // RERR_CMD_FAILED
  kCmdKilled = 125,   // RERR_CMD_KILLED
  kCmdRun = 126,      // RERR_CMD_RUN
  kCmdNotFound = 127  // RERR_CMD_NOTFOUND
};

// The explanation upstream prints beside a code ("rsync error: <text> (code N)").
const char* exit_code_text(ExitCode code);

}  // namespace crsync
