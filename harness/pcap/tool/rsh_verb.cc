// crsync-pcap rsh-tee / record-rsh: record a remote-shell session as raw
// streams (harness/pcap/raw_recording.h). rsh-tee is rsync's -e program: it
// runs the real remote shell and passes both directions through, writing
// each to a file with the order of the chunks, and saves the command line
// (the server's arguments with it). record-rsh runs an rsync client with
// rsh-tee interposed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pcap/raw_recording.h"
#include "pcap/tool/verbs.h"

namespace crsync::pcap::tool {
namespace {

// Splits "-o DIR [--rsh CMD] -- COMMAND..." at the "--".
bool split_command(Args& args, Args* command) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--") continue;
    command->assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
    args.resize(i);
    return !command->empty();
  }
  return false;
}

// Waits until `fd` is ready: rsync may leave the remote shell's stdin or
// stdout non-blocking.
void wait_ready(int fd, short events) {
  pollfd p{fd, events, 0};
  ::poll(&p, 1, -1);
}

bool write_all(int fd, const char* p, size_t n) {
  while (n) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_ready(fd, POLLOUT);
      continue;
    }
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

std::vector<char*> c_argv(const Args& a) {
  std::vector<char*> v;
  for (const std::string& s : a) v.push_back(const_cast<char*>(s.c_str()));
  v.push_back(nullptr);
  return v;
}

// What passes one way: copied from `in` to `out` and to the recording.
class Recorder {
 public:
  Recorder(int c2s_fd, int s2c_fd) : fds_{c2s_fd, s2c_fd} {}

  // Each chunk is numbered and recorded before it is passed on, so that a
  // reply is never numbered before what it answers.
  void pump(int in, int out, int which) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        wait_ready(in, POLLIN);
        continue;
      }
      if (n <= 0) break;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (fds_[which] < 0) break;
        chunks_ += std::to_string(next_++) + (which ? "\ts2c\t" : "\tc2s\t") +
                   std::to_string(offset_[which]) + "\n";
        write_all(fds_[which], buf, static_cast<size_t>(n));
        offset_[which] += static_cast<uint64_t>(n);
      }
      if (!write_all(out, buf, static_cast<size_t>(n))) break;  // the reader is gone
    }
    ::close(out);
  }
  // Ends the recording; a pump still running records nothing more.
  std::string finish() {
    std::lock_guard<std::mutex> lock(mu_);
    for (int& fd : fds_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    return chunks_;
  }

 private:
  std::mutex mu_;
  int fds_[2];
  uint64_t offset_[2] = {0, 0};
  size_t next_ = 1;
  std::string chunks_;
};

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "crsync-pcap";
}

// One word of rsync's -e string (rsync splits it on blanks, honouring
// single and double quotes).
std::string rsh_word(const std::string& w) {
  if (!w.empty() && w.find_first_of(" \t'\"") == std::string::npos) return w;
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return q + "'";
}

}  // namespace

int run_rsh_tee(const Args& in) {
  Args args = in, command;
  std::string dir;
  if (!split_command(args, &command) || !take_value(args, "-o", &dir) || !args.empty()) {
    std::fprintf(stderr, "usage: crsync-pcap rsh-tee -o DIR -- REMOTE-SHELL ARGS...\n");
    return kExitUnusable;
  }
  ::mkdir(dir.c_str(), 0777);
  const auto create = [&](const char* name) {
    return ::open((dir + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  };
  const int c2s_fd = create(kRawC2SFile), s2c_fd = create(kRawS2CFile);
  if (c2s_fd < 0 || s2c_fd < 0) {
    std::fprintf(stderr, "crsync-pcap: rsh-tee: cannot write in %s: %s\n", dir.c_str(),
                 std::strerror(errno));
    return kExitUnusable;
  }
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    std::perror("crsync-pcap: rsh-tee: pipe");
    return kExitUnusable;
  }
  ::signal(SIGPIPE, SIG_IGN);
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("crsync-pcap: rsh-tee: fork");
    return kExitUnusable;
  }
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    auto argv = c_argv(command);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "crsync-pcap: rsh-tee: %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  Recorder rec(c2s_fd, s2c_fd);
  // The client's side may never close its end: that pump is left behind.
  std::thread(&Recorder::pump, &rec, 0, to_child[1], 0).detach();
  std::thread back(&Recorder::pump, &rec, from_child[0], 1, 1);
  back.join();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const std::string chunks = rec.finish();
  std::ofstream(dir + "/" + kRawChunksFile) << chunks;
  const nlohmann::json j{
      {"argv", command}, {"server_args", server_args_of(command)}, {"exit_status", code}};
  std::ofstream(dir + "/" + kRawCommandFile) << j.dump(1) << "\n";
  std::fflush(nullptr);
  ::_exit(code);  // not returning: the detached pump may still be reading
}

int run_record_rsh(const Args& in) {
  Args args = in, command;
  std::string dir, rsh = "ssh";
  if (!split_command(args, &command) || !take_value(args, "-o", &dir) ||
      (take_value(args, "--rsh", &rsh), !args.empty())) {
    std::fprintf(stderr,
                 "usage: crsync-pcap record-rsh -o DIR [--rsh SHELL] -- RSYNC ARGS...\n"
                 "  (SHELL: the remote shell command, as for rsync -e; default ssh)\n");
    return kExitUnusable;
  }
  for (const std::string& a : command) {
    if (a == "-e" || a.rfind("--rsh", 0) == 0) {
      std::fprintf(stderr, "crsync-pcap: record-rsh: give the remote shell with --rsh\n");
      return kExitUnusable;
    }
  }
  const std::string e = rsh_word(self_exe()) + " rsh-tee -o " + rsh_word(dir) + " -- " + rsh;
  Args full{command[0], "-e", e};
  full.insert(full.end(), command.begin() + 1, command.end());
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("crsync-pcap: record-rsh: fork");
    return kExitUnusable;
  }
  if (pid == 0) {
    auto argv = c_argv(full);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "crsync-pcap: record-rsh: %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace crsync::pcap::tool
