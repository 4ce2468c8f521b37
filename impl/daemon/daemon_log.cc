#include "daemon/daemon_log.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace crsync::daemon {

DaemonLog::DaemonLog(std::string file) : file_(std::move(file)) {
  if (file_.empty()) ::openlog("rsyncd", LOG_PID, LOG_DAEMON);
}

void DaemonLog::operator()(const std::string& msg) const {
  std::string m = msg;
  while (!m.empty() && m.back() == '\n') m.pop_back();
  if (file_.empty()) {
    ::syslog(LOG_INFO, "%s", m.c_str());
    return;
  }
  std::FILE* f = std::fopen(file_.c_str(), "a");
  if (!f) return;
  const std::time_t t = std::time(nullptr);
  char when[32];
  std::tm tmv{};
  ::localtime_r(&t, &tmv);
  std::strftime(when, sizeof when, "%Y/%m/%d %H:%M:%S", &tmv);
  std::fprintf(f, "%s [%d] %s\n", when, static_cast<int>(::getpid()), m.c_str());
  std::fclose(f);
}

}  // namespace crsync::daemon
