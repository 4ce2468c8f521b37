// Replays one recorded side of a daemon session against a live peer over
// TCP: the recorded bytes go out in the recorded order, each segment once
// the live peer has sent as many bytes as the recorded peer had before it
// (or has been quiet for the idle timeout). As a client, the auth response
// is recomputed from the password for the live challenge; as a server, the
// recorded challenge is sent. The caller compares what came back with the
// recording (crsync-pcap replay reports it like diff).
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "pcap/capture_loader.h"

namespace crsync::pcap {

struct ReplayOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string password;       // as a client, for an auth challenge
  double idle_seconds = 1.0;  // how long a quiet peer is waited for, per step
  double total_seconds = 120;
  bool announce = false;  // as a server: print "listening on PORT" once bound
};

struct ReplayResult {
  Bytes sent;
  Bytes received;
  bool peer_closed = false;
  size_t stalls = 0;  // steps that went ahead after an idle wait
};

Status replay_as_client(const LoadedSession& rec, const ReplayOptions& o, ReplayResult* out);
Status replay_as_server(const LoadedSession& rec, const ReplayOptions& o, ReplayResult* out);

}  // namespace crsync::pcap
