// A daemon connection once the client has named a module (upstream
// clientserver.c rsync_module): access checks, max connections,
// authentication, uid/gid, path and chroot, the exec commands,
// "@RSYNCD: OK", the client's arguments (options checked against "refuse
// options", paths kept inside the module), then the ordinary server
// session over the connection with the module's verdicts applied.
#pragma once

#include <string>

#include "daemon/config.h"
#include "daemon/daemon_log.h"
#include "daemon/daemon_session.h"
#include "daemon/greeting.h"
#include "daemon/text_io.h"

namespace crsync::daemon {

struct ModuleRequest {
  int in_fd = -1, out_fd = -1;
  PeerGreeting greeting;
  int protocol = 0;
  std::string addr, host;
};

// Returns the process exit code.
int serve_module(TextIo& io, const ModuleRequest& req, const DaemonConfig& cfg, int module,
                 const DaemonLog& log, const DaemonParams& p);

}  // namespace crsync::daemon
