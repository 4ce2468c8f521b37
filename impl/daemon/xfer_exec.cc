#include "daemon/xfer_exec.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace crsync::daemon {
namespace {

int shell_exec(const std::string& cmd) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

// Reads a NUL-terminated string from the pipe (truncated at `limit`).
bool read_arg(int fd, std::string* out, size_t limit) {
  out->clear();
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) return false;
    if (c == '\0') return true;
    if (out->size() < limit) out->push_back(c);
  }
}

void write_all(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n) {
    const ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    c += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

void set_env(const std::string& name, const std::string& value) {
  ::setenv(name.c_str(), value.c_str(), 1);
}

bool PreExec::start(const std::string& cmd, bool capture_output) {
  int arg_fds[2], out_fds[2] = {-1, -1};
  if ((capture_output && ::pipe(out_fds) < 0) || ::pipe(arg_fds) < 0) return false;
  pid_ = ::fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    ::close(arg_fds[1]);
    if (capture_output) ::close(out_fds[0]);
    std::string buf;
    if (!read_arg(arg_fds[0], &buf, 5119) || buf.empty()) ::_exit(1);
    set_env("RSYNC_REQUEST", buf);
    for (int j = 0;; ++j) {
      if (!read_arg(arg_fds[0], &buf, 5119)) ::_exit(1);
      if (buf.empty()) break;
      set_env("RSYNC_ARG" + std::to_string(j), buf);
    }
    ::dup2(arg_fds[0], 0);
    ::close(arg_fds[0]);
    if (capture_output) {
      ::dup2(out_fds[1], 1);
      ::close(out_fds[1]);
    }
    const int status = shell_exec(cmd);
    if (status < 0 || !WIFEXITED(status)) ::_exit(1);
    ::_exit(WEXITSTATUS(status));
  }
  ::close(arg_fds[0]);
  arg_fd_ = arg_fds[1];
  if (capture_output) {
    ::close(out_fds[1]);
    out_fd_ = out_fds[0];
  }
  return true;
}

std::string PreExec::finish(const std::string& desc, const std::string& request,
                            const std::vector<std::string>& args) {
  const std::string req = request.empty() ? "(NONE)" : request;
  write_all(arg_fd_, req.c_str(), req.size() + 1);
  for (const auto& a : args) write_all(arg_fd_, a.c_str(), a.size() + 1);
  write_all(arg_fd_, "", 1);
  ::close(arg_fd_);
  std::string out;
  if (out_fd_ >= 0) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (out.size() < 5119) out.append(buf, static_cast<size_t>(n));
    }
    ::close(out_fd_);
    if (out.size() > 5119) out.resize(5119);
    std::string cleaned;  // "\r\n" becomes "\n"
    for (size_t i = 0; i < out.size(); ++i)
      if (!(out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n')) cleaned += out[i];
    out = cleaned;
  }
  int status = -1;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) {
      status = -1;
      break;
    }
  }
  if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string e = desc + " returned failure (" + std::to_string(status) + ")";
  if (status < 0) e += std::string(": ") + std::strerror(errno);
  if (!out.empty()) e += ":";
  return e + "\n" + out;
}

bool fork_for_post_exec(const std::string& cmd, const std::vector<int>& fds) {
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) return true;
  for (int fd : fds) ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      status = -1;
      break;
    }
  }
  set_env("RSYNC_RAW_STATUS", std::to_string(status));
  const int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  set_env("RSYNC_EXIT_STATUS", std::to_string(code));
  const int r = shell_exec(cmd);
  ::_exit(r < 0 ? 255 : code & 0xFF);
}

}  // namespace crsync::daemon
