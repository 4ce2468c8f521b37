#include "pcap/replay.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "pcap/daemon_auth.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// One step: the bytes [from, to) of our side go out once `need` bytes of
// the peer's side have come in.
struct Step {
  uint64_t from, to, need;
};

std::vector<Step> plan(const std::vector<std::pair<uint64_t, size_t>>& mine, uint64_t my_size,
                       const std::vector<std::pair<uint64_t, size_t>>& theirs,
                       uint64_t their_size) {
  std::vector<std::pair<uint64_t, size_t>> m = mine;
  std::sort(m.begin(), m.end());
  std::vector<Step> steps;
  for (size_t i = 0; i < m.size(); ++i) {
    const uint64_t from = m[i].first;
    const uint64_t to = i + 1 < m.size() ? m[i + 1].first : my_size;
    if (to <= from) continue;
    uint64_t need = their_size;
    for (const auto& [off, frame] : theirs)
      if (frame > m[i].second) need = std::min(need, off);
    steps.push_back({from, to, need});
  }
  if (steps.empty() && my_size) steps.push_back({0, my_size, 0});
  return steps;
}

class Exchange {
 public:
  Exchange(int fd, const ReplayOptions& o, ReplayResult* r) : fd_(fd), o_(o), r_(r) {
    start_ = Clock::now();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  // Reads until `need` bytes have come, the peer closes, or it stays quiet.
  void wait_for(uint64_t need) {
    Clock::time_point last = Clock::now();
    while (r_->received.size() < need && !r_->peer_closed && since(start_) < o_.total_seconds) {
      if (since(last) > o_.idle_seconds) {
        ++r_->stalls;
        return;
      }
      if (poll_once(false, 50)) last = Clock::now();
    }
  }
  // Sends everything, reading whatever comes meanwhile.
  Status send(ByteSpan b) {
    size_t done = 0;
    while (done < b.size()) {
      if (since(start_) > o_.total_seconds) return Status::Protocol("replay timed out");
      const ssize_t n = ::send(fd_, b.data() + done, b.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        r_->sent.insert(r_->sent.end(), b.begin() + static_cast<std::ptrdiff_t>(done),
                        b.begin() + static_cast<std::ptrdiff_t>(done) + n);
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return Status::Protocol(std::string("send: ") + std::strerror(errno));
      poll_once(true, 50);
    }
    return Status::Ok();
  }
  void drain() {
    Clock::time_point last = Clock::now();
    while (!r_->peer_closed && since(last) < o_.idle_seconds && since(start_) < o_.total_seconds)
      if (poll_once(false, 50)) last = Clock::now();
  }

 private:
  // True when bytes came in.
  bool poll_once(bool want_write, int ms) {
    pollfd p{fd_, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) return false;
    uint8_t buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      r_->received.insert(r_->received.end(), buf, buf + n);
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) r_->peer_closed = true;
    return false;
  }

  int fd_;
  const ReplayOptions& o_;
  ReplayResult* r_;
  Clock::time_point start_;
};

// Closes as the recorded side did: with a RST when it sent one (an upstream
// process exiting with unread input does; its peer may then report
// "Connection reset by peer"), else with a FIN.
void close_like(int fd, bool reset) {
  if (reset) {
    const linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd);
}

int connect_to(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  return fd;
}

std::string line_at(const Bytes& b, const std::string& prefix) {
  const std::string s(b.begin(), b.end());
  const size_t at = s.find(prefix);
  if (at == std::string::npos) return "";
  const size_t end = s.find('\n', at);
  if (end == std::string::npos) return "";
  return s.substr(at, end - at);
}

}  // namespace

Status replay_as_client(const LoadedSession& rec, const ReplayOptions& o, ReplayResult* out) {
  const Dissection& d = rec.dissection;
  Bytes script = d.c2s.raw.bytes();
  const Element* response = nullptr;
  for (const Element& e : d.c2s.elements)
    if (e.kind == "auth response") response = &e;
  const int fd = connect_to(o.host, o.port);
  if (fd < 0) return Status::Protocol("cannot connect to " + o.host + ":" + std::to_string(o.port));
  Exchange x(fd, o, out);
  Status st = Status::Ok();
  for (const Step& s : plan(rec.c2s_frames, script.size(), rec.s2c_frames, d.s2c.raw.size())) {
    x.wait_for(s.need);
    if (response && s.from <= response->offset && response->offset < s.to) {
      // The live challenge, answered with the password.
      std::string chal = line_at(out->received, wire::kDaemonAuthReqd);
      const std::string greeting = line_at(out->received, wire::kDaemonGreetingPrefix);
      if (!chal.empty()) {
        chal = chal.substr(std::string_view(wire::kDaemonAuthReqd).size());
        const std::string rec_line(
            script.begin() + static_cast<std::ptrdiff_t>(response->offset),
            script.begin() + static_cast<std::ptrdiff_t>(response->offset + response->length));
        const std::string user = rec_line.substr(0, rec_line.find(' '));
        auto digest = daemon_auth_response(greeting, o.password, chal);
        if (!digest.ok()) return digest.status();
        const std::string line = user + " " + *digest + "\n";
        Bytes rebuilt(script.begin(),
                      script.begin() + static_cast<std::ptrdiff_t>(response->offset));
        rebuilt.insert(rebuilt.end(), line.begin(), line.end());
        rebuilt.insert(
            rebuilt.end(),
            script.begin() + static_cast<std::ptrdiff_t>(response->offset + response->length),
            script.end());
        if (rebuilt.size() != script.size())
          return Status::Protocol(
              "the live auth response has another length than the recorded one");
        script = std::move(rebuilt);
      }
    }
    st = x.send(ByteSpan(script).subspan(s.from, s.to - s.from));
    if (!st.ok()) break;
  }
  x.drain();
  close_like(fd, rec.client_reset);
  return st;
}

Status replay_as_server(const LoadedSession& rec, const ReplayOptions& o, ReplayResult* out) {
  const Dissection& d = rec.dissection;
  const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) return Status::Protocol("socket failed");
  const int one = 1;
  ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
  if (::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(ls, 1) != 0) {
    ::close(ls);
    return Status::Protocol("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                            std::strerror(errno));
  }
  if (o.announce) {
    std::printf("listening on %d\n", o.port);
    std::fflush(stdout);
  }
  pollfd p{ls, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(o.total_seconds * 1000)) <= 0) {
    ::close(ls);
    return Status::Protocol("no client connected");
  }
  const int fd = ::accept(ls, nullptr, nullptr);
  ::close(ls);
  if (fd < 0) return Status::Protocol("accept failed");
  Exchange x(fd, o, out);
  Status st = Status::Ok();
  for (const Step& s : plan(rec.s2c_frames, d.s2c.raw.size(), rec.c2s_frames, d.c2s.raw.size())) {
    x.wait_for(s.need);
    st = x.send(ByteSpan(d.s2c.raw).subspan(s.from, s.to - s.from));
    if (!st.ok()) break;
  }
  x.drain();
  close_like(fd, rec.server_reset);
  return st;
}

}  // namespace crsync::pcap
