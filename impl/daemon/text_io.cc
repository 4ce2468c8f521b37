#include "daemon/text_io.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace crsync::daemon {

void TextIo::set_deadline_seconds(int seconds) {
  has_deadline_ = seconds > 0;
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
}

Status TextIo::read_byte(uint8_t* b) {
  for (;;) {
    if (has_deadline_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline_ - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return Status::Error(ExitCode::kTimeout, "timed out waiting for the peer");
      pollfd p{in_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left));
      if (r == 0) return Status::Error(ExitCode::kTimeout, "timed out waiting for the peer");
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::Error(ExitCode::kSocketIo, std::strerror(errno));
      }
    }
    const ssize_t n = ::read(in_, b, 1);
    if (n == 1) return Status::Ok();
    if (n == 0) return Status::Stream("connection closed");
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      pollfd p{in_, POLLIN, 0};
      (void)::poll(&p, 1, 1000);
      continue;
    }
    const int e = errno;
    return Status::Error(ExitCode::kStreamIo,
                         std::string(std::strerror(e)) + " (" + std::to_string(e) + ")");
  }
}

Status TextIo::read_line(std::string* line, size_t max) {
  line->clear();
  for (;;) {
    uint8_t b = 0;
    CRSYNC_RETURN_IF_ERROR(read_byte(&b));
    if (b == '\n') return Status::Ok();
    if (b == '\r') continue;
    if (line->size() >= max) return Status::Protocol("line too long");
    line->push_back(static_cast<char>(b));
  }
}

Status TextIo::read_exact(std::string* out, size_t n) {
  out->clear();
  while (out->size() < n) {
    uint8_t b = 0;
    CRSYNC_RETURN_IF_ERROR(read_byte(&b));
    out->push_back(static_cast<char>(b));
  }
  return Status::Ok();
}

Status TextIo::read_args(ArgsDecoder* d) {
  while (!d->done()) {
    uint8_t b = 0;
    CRSYNC_RETURN_IF_ERROR(read_byte(&b));
    ByteReader r(ByteSpan(&b, 1));
    const Status s = d->feed(r);
    if (!s.ok() && !s.need_more()) return s;
  }
  return Status::Ok();
}

Status TextIo::write(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(out_, s.data() + off, s.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd p{out_, POLLOUT, 0};
        (void)::poll(&p, 1, 1000);
        continue;
      }
      return Status::Error(ExitCode::kSocketIo, std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace crsync::daemon
