#include "session/progress.h"

#include <unistd.h>

#include <cstdio>

namespace crsync::session {
namespace {

int64_t ms_between(Progress::Clock::time_point a, Progress::Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// Upstream shows updates only while our process group owns the terminal
// (or when stdout is not a terminal).
bool in_foreground() {
  const pid_t tc = ::tcgetpgrp(STDOUT_FILENO);
  return tc == -1 || tc == ::getpgrp();
}

}  // namespace

std::string progress_tail(int64_t xferred, bool flist_eof, int64_t to_check, int64_t total) {
  return " (xfr#" + std::to_string(xferred) + ", " + (flist_eof ? "to" : "ir") +
         "-chk=" + std::to_string(to_check) + "/" + std::to_string(total) + ")";
}

std::string progress_line(int64_t ofs, int64_t size, double rate_kib, double secs,
                          const std::string& eol, int human) {
  const char* units = "kB/s";
  if (rate_kib > 1024.0 * 1024.0) {
    rate_kib /= 1024.0 * 1024.0;
    units = "GB/s";
  } else if (rate_kib > 1024.0) {
    rate_kib /= 1024.0;
    units = "MB/s";
  }
  char rem[64];
  if (secs < 0 || secs > 9999.0 * 3600.0) {
    std::snprintf(rem, sizeof rem, "  ??:??:??");
  } else {
    std::snprintf(rem, sizeof rem, "%4u:%02u:%02u", static_cast<unsigned>(secs / 3600.0),
                  static_cast<unsigned>(secs / 60.0) % 60, static_cast<unsigned>(secs) % 60);
  }
  const int pct =
      ofs == size ? 100
                  : static_cast<int>(100.0 * static_cast<double>(ofs) / static_cast<double>(size));
  char buf[256];
  std::snprintf(buf, sizeof buf, "\r%15s %3d%% %7.2f%s %s", human_num(ofs, human).c_str(), pct,
                rate_kib, units, rem);
  return buf + eol;
}

void Progress::print(int64_t ofs, int64_t size, Clock::time_point now, bool is_last) {
  std::string eol;
  double rate = 0, secs = 0;
  if (is_last) {
    eol = progress_tail(stats_.xferred_files, flist_eof_, stats_.num_files - index_ - 1,
                        stats_.num_files);
    if (level_ >= 2) {
      // No newline: the next line overwrites this one, padded to cover it.
      const size_t len = eol.size();
      if (last_len_ > len) eol.append(last_len_ - len, ' ');
      last_len_ = len;
    } else {
      eol += '\n';
    }
    int64_t diff = start_.set ? ms_between(start_.time, now) : 0;
    if (diff <= 0) diff = 1;
    rate = static_cast<double>(ofs - start_.ofs) * 1000.0 / static_cast<double>(diff) / 1024.0;
    secs = static_cast<double>(diff) / 1000.0;
  } else {
    eol = "  ";
    const Sample& old = history_[oldest_];
    int64_t diff = ms_between(old.time, now);
    if (diff <= 0) diff = 1;
    rate = static_cast<double>(ofs - old.ofs) * 1000.0 / static_cast<double>(diff) / 1024.0;
    secs = rate != 0 ? static_cast<double>(size - ofs) / rate / 1000.0 : 0.0;
  }
  out_.progress(progress_line(ofs, size, rate, secs, eol, human_), !is_last || level_ >= 2);
}

void Progress::show(int64_t ofs, int64_t size) {
  const Clock::time_point t = now();
  if (level_ >= 2) {
    ofs = stats_.total_transferred_size - size + ofs;
    size = stats_.total_size;
  }
  if (!start_.set) {
    // A file that starts within 1.5 s of the last data seen is timed from
    // that moment.
    const Sample& newest = history_[newest_];
    if (newest.set && ms_between(newest.time, t) <= 1500)
      start_ = {newest.time, 0, true};
    else
      start_ = {t, ofs, true};
    for (auto& h : history_) h = start_;
  } else {
    if (ms_between(history_[newest_].time, t) < 1000) return;
    newest_ = oldest_;
    oldest_ = (oldest_ + 1) % kHistory;
    history_[newest_] = {t, ofs, true};
  }
  if (!fixed_now_ && !in_foreground()) return;
  print(ofs, size, t, false);
}

void Progress::end(int64_t size) {
  const Clock::time_point t = now();
  if (level_ >= 2) {
    print(stats_.total_transferred_size, stats_.total_size, t, true);
  } else {
    print(size, size, t, true);
    start_ = Sample{};
  }
}

void Progress::at_list_done(int64_t last_index) {
  index_ = last_index;
  if (level_ >= 2) end(0);
}

}  // namespace crsync::session
