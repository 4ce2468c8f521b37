#include "daemon/daemon_log.h"

#include <syslog.h>
#include <unistd.h>

#include <strings.h>

#include <cstdio>
#include <ctime>

namespace crsync::daemon {

namespace {

// openlog keeps the tag's pointer: one process-wide copy, replaced by the
// next openlog.
std::string& syslog_ident() {
  static std::string ident;
  return ident;
}

}  // namespace

int syslog_facility(const std::string& name) {
  static const struct {
    const char* name;
    int facility;
  } kFacilities[] = {
      {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
      {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
      {"lpr", LOG_LPR},       {"mail", LOG_MAIL},         {"news", LOG_NEWS},
      {"security", LOG_AUTH}, {"syslog", LOG_SYSLOG},     {"user", LOG_USER},
      {"uucp", LOG_UUCP},     {"local0", LOG_LOCAL0},     {"local1", LOG_LOCAL1},
      {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},     {"local4", LOG_LOCAL4},
      {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},     {"local7", LOG_LOCAL7},
  };
  for (const auto& f : kFacilities)
    if (strcasecmp(name.c_str(), f.name) == 0) return f.facility;
  return LOG_DAEMON;
}

DaemonLog::DaemonLog(std::string file, const std::string& syslog_tag, int syslog_facility)
    : file_(std::move(file)) {
  if (!file_.empty()) return;
  ::closelog();
  syslog_ident() = syslog_tag;
  ::openlog(syslog_ident().c_str(), LOG_PID | LOG_NDELAY, syslog_facility);
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
