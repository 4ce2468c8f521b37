// The daemon's log (upstream log.c in daemon mode): the "log file" (or
// --log-file) when one is set, each line stamped with the date and the
// process id; syslog otherwise.
#pragma once

#include <string>

namespace crsync::daemon {

class DaemonLog {
 public:
  explicit DaemonLog(std::string file);
  void operator()(const std::string& msg) const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace crsync::daemon
