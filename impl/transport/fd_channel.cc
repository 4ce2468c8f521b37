#include "transport/fd_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace crsync::transport {

FdChannel::FdChannel(int in_fd, int out_fd, bool own) : in_(in_fd), out_(out_fd), own_(own) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
}

FdChannel::~FdChannel() {
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
  if (!own_) return;
  if (in_ >= 0) ::close(in_);
  if (out_ >= 0 && out_ != in_) ::close(out_);
}

Status FdChannel::wait(int fd, short events) {
  if (timeout_s_ <= 0) return Status::Ok();
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, timeout_s_ * 1000);
    if (r > 0) return Status::Ok();
    if (r == 0)
      return Status::Error(ExitCode::kTimeout,
                           "[" + std::to_string(timeout_s_) + " seconds] io timeout");
    if (errno != EINTR) return Status::Error(ExitCode::kSocketIo, std::strerror(errno));
  }
}

void FdChannel::abort() {
  aborted_ = true;
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
}

Status FdChannel::read_some(uint8_t* buf, size_t cap, size_t* n) {
  CRSYNC_RETURN_IF_ERROR(wait(in_, POLLIN));
  if (wake_[0] >= 0) {
    // Block until input or an abort; the data read itself stays a plain read.
    pollfd p[2] = {{in_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    while (!aborted_ && ::poll(p, 2, -1) < 0 && errno == EINTR) {
    }
  }
  if (aborted_) return Status::Stream("connection aborted");
  for (;;) {
    const ssize_t r = ::read(in_, buf, cap);
    if (r >= 0) {
      *n = static_cast<size_t>(r);
      return Status::Ok();
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{in_, POLLIN, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    const int e = errno;
    if (e == EPIPE) {
      *n = 0;
      return Status::Ok();
    }
    // A reset connection is a socket error, as upstream reports it (exit
    // 10), not an orderly end.
    return Status::Error(
        e == ECONNRESET ? ExitCode::kSocketIo : ExitCode::kStreamIo,
        std::string("read error: ") + std::strerror(e) + " (" + std::to_string(e) + ")");
  }
}

Status FdChannel::write_all(ByteSpan data) {
  size_t off = 0;
  while (off < data.size()) {
    CRSYNC_RETURN_IF_ERROR(wait(out_, POLLOUT));
    const ssize_t r = ::write(out_, data.data() + off, data.size() - off);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{out_, POLLOUT, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      return Status::Error(ExitCode::kStreamIo,
                           std::string("write error: ") + std::strerror(errno));
    }
    off += static_cast<size_t>(r);
  }
  return Status::Ok();
}

void FdChannel::close_write() {
  if (out_ < 0) return;
  if (out_ == in_) {
    ::shutdown(out_, SHUT_WR);
    return;
  }
  if (own_) ::close(out_);
  out_ = -1;
}

}  // namespace crsync::transport
