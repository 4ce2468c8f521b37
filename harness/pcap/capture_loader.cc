#include "pcap/capture_loader.h"

#include "pcap/raw_recording.h"

#include <algorithm>
#include <cstdlib>

namespace crsync::pcap {

size_t LoadedSession::frame_of(Dir d, uint64_t offset) const {
  const auto& frames = d == Dir::kC2S ? c2s_frames : s2c_frames;
  auto it = std::upper_bound(
      frames.begin(), frames.end(), offset,
      [](uint64_t v, const std::pair<uint64_t, size_t>& p) { return v < p.first; });
  if (it == frames.begin()) return frames.empty() ? 0 : frames.front().second;
  return std::prev(it)->second;
}

Status pick_connection(const std::vector<Connection>& conns, const std::string& selector,
                       size_t* index) {
  if (conns.empty()) return Status::Protocol("no TCP connection in the capture");
  if (selector.empty()) {
    // The first whole session: opened in the capture, data both ways (a
    // stray segment of an earlier connection is skipped).
    *index = 0;
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < conns.size(); ++i) {
        const Connection& c = conns[i];
        if ((pass == 0 && !c.saw_syn) || c.c2s.data.empty() || c.s2c.data.empty()) continue;
        *index = i;
        return Status::Ok();
      }
    }
    return Status::Ok();
  }
  if (selector.rfind("port:", 0) == 0) {
    const long port = std::strtol(selector.c_str() + 5, nullptr, 10);
    for (size_t i = 0; i < conns.size(); ++i) {
      if (conns[i].server.port == port || conns[i].client.port == port) {
        *index = i;
        return Status::Ok();
      }
    }
    return Status::Protocol("no connection uses port " + selector.substr(5));
  }
  char* end = nullptr;
  const unsigned long i = std::strtoul(selector.c_str(), &end, 10);
  if (!end || *end || i >= conns.size())
    return Status::Protocol("no connection " + selector + " (the capture has " +
                            std::to_string(conns.size()) + ")");
  *index = i;
  return Status::Ok();
}

namespace {

Status load_raw_session(const std::string& path, const std::string& selector, LoadedSession* out) {
  if (!selector.empty() && selector != "0")
    return Status::Protocol("no connection " + selector + " (a remote-shell recording has one)");
  RawRecording rec;
  CRSYNC_RETURN_IF_ERROR(load_raw_recording(path, &rec));
  out->path = path;
  out->connection = 0;
  out->connections = 1;
  out->client = {"client", 0};
  out->server = {"server", 0};
  for (const std::string& a : rec.argv)
    out->remote_command += (out->remote_command.empty() ? "" : " ") + a;
  out->c2s_frames = std::move(rec.c2s_chunks);
  out->s2c_frames = std::move(rec.s2c_chunks);
  std::sort(out->c2s_frames.begin(), out->c2s_frames.end());
  std::sort(out->s2c_frames.begin(), out->s2c_frames.end());
  out->dissection = dissect_rsh_session(std::move(rec.c2s), std::move(rec.s2c), rec.server_args);
  return Status::Ok();
}

}  // namespace

Status load_session(const std::string& path, const std::string& selector, LoadedSession* out) {
  if (is_raw_recording(path)) return load_raw_session(path, selector, out);
  std::vector<Connection> conns;
  CRSYNC_RETURN_IF_ERROR(reassemble_file(path, &conns));
  size_t i = 0;
  CRSYNC_RETURN_IF_ERROR(pick_connection(conns, selector, &i));
  Connection& c = conns[i];
  out->path = path;
  out->connection = i;
  out->connections = conns.size();
  out->client = c.client;
  out->server = c.server;
  out->c2s_stats = c.c2s.stats;
  out->s2c_stats = c.s2c.stats;
  out->client_reset = c.c2s.reset;
  out->server_reset = c.s2c.reset;
  out->c2s_frames = std::move(c.c2s.frames);
  out->s2c_frames = std::move(c.s2c.frames);
  std::sort(out->c2s_frames.begin(), out->c2s_frames.end());
  std::sort(out->s2c_frames.begin(), out->s2c_frames.end());
  out->dissection = dissect_session(std::move(c.c2s.data), std::move(c.s2c.data));
  return Status::Ok();
}

}  // namespace crsync::pcap
