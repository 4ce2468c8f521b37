// ByteChannel over file descriptors: one to read, one to write (the same
// descriptor for a socket, two pipes for a remote shell or stdin/stdout for
// a server). An optional I/O timeout (--timeout) turns a silent peer into
// exit code 30.
#pragma once

#include <atomic>

#include "transport/byte_channel.h"

namespace crsync::transport {

class FdChannel : public ByteChannel {
 public:
  // Takes ownership of the descriptors when `own` is true.
  FdChannel(int in_fd, int out_fd, bool own);
  ~FdChannel() override;
  FdChannel(const FdChannel&) = delete;
  FdChannel& operator=(const FdChannel&) = delete;

  Status read_some(uint8_t* buf, size_t cap, size_t* n) override;
  Status write_all(ByteSpan data) override;
  void close_write() override;

  void set_timeout_seconds(int seconds) { timeout_s_ = seconds; }
  void abort() override;
  int in_fd() const { return in_; }
  int out_fd() const { return out_; }

 private:
  Status wait(int fd, short events);
  int in_;
  int out_;
  bool own_;
  int timeout_s_ = 0;
  int wake_[2] = {-1, -1};  // abort() writes here to wake a blocked read
  std::atomic<bool> aborted_{false};
};

}  // namespace crsync::transport
