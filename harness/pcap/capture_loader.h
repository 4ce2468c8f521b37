// Opens a capture for the crsync-pcap verbs (a pcap file, or a directory
// holding a remote-shell session recorded as raw streams): reassembles its connections,
// picks one (by index, or by a port either end uses) and dissects it,
// keeping the frame map so elements can be placed in time.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "pcap/session_dissector.h"
#include "pcap/tcp_reassembly.h"

namespace crsync::pcap {

struct LoadedSession {
  std::string path;
  size_t connection = 0;  // index in the capture
  size_t connections = 0;
  Endpoint client, server;
  std::string remote_command;  // a remote-shell recording: the shell's command line
  StreamStats c2s_stats, s2c_stats;
  std::vector<std::pair<uint64_t, size_t>> c2s_frames, s2c_frames;
  bool client_reset = false, server_reset = false;  // which side sent a RST
  Dissection dissection;

  // The frame that carried the byte at `offset` of a direction.
  size_t frame_of(Dir d, uint64_t offset) const;
};

// `selector`: "" (the first connection opened in the capture with data both
// ways), a 0-based index, or "port:N".
Status pick_connection(const std::vector<Connection>& conns, const std::string& selector,
                       size_t* index);

// `path` a capture file, or a remote-shell recording (raw_recording.h).
Status load_session(const std::string& path, const std::string& selector, LoadedSession* out);

}  // namespace crsync::pcap
