// Blocking I/O for the daemon's text stage over a socket or pipe pair:
// lines and argument lists are read one byte at a time (so nothing of the
// binary stage that follows is read ahead), each read bounded by a
// deadline for the whole stage, so a client that trickles its greeting or
// arguments is cut off after a bounded time and memory.
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"
#include "daemon/module_args.h"

namespace crsync::daemon {

class TextIo {
 public:
  TextIo(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}
  // 0 seconds: no deadline.
  void set_deadline_seconds(int seconds);

  // A line without its '\n' (and '\r'); exit 12 (or 30 past the deadline)
  // on EOF, error or a line longer than `max`.
  Status read_line(std::string* line, size_t max = 1024);
  Status read_exact(std::string* out, size_t n);
  Status read_args(ArgsDecoder* d);
  Status write(const std::string& s);

 private:
  Status read_byte(uint8_t* b);
  int in_, out_;
  bool has_deadline_ = false;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace crsync::daemon
