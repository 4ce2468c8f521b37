// The daemon's log (upstream log.c in daemon mode): the "log file" (or
// --log-file) when one is set, each line stamped with the date and the
// process id; syslog otherwise, under the "syslog tag" and "syslog
// facility" in force.
#pragma once

#include <syslog.h>

#include <string>

namespace crsync::daemon {

class DaemonLog {
 public:
  explicit DaemonLog(std::string file, const std::string& syslog_tag = "rsyncd",
                     int syslog_facility = LOG_DAEMON);
  void operator()(const std::string& msg) const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// A "syslog facility" value as upstream's parameter table knows it
// ("daemon", "local0".."local7", "auth", ...); LOG_DAEMON when unknown.
int syslog_facility(const std::string& name);

}  // namespace crsync::daemon
