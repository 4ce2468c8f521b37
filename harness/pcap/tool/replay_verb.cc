// crsync-pcap replay --as-client / --as-server.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pcap/capture_diff.h"
#include "pcap/replay.h"
#include "pcap/tool/verbs.h"

namespace crsync::pcap::tool {
namespace {

// The password of a scenario.json next to the capture (env RSYNC_PASSWORD).
std::string scenario_password(const std::string& capture) {
  const size_t slash = capture.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : capture.substr(0, slash);
  std::ifstream in(dir + "/scenario.json");
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    const auto j = nlohmann::json::parse(ss.str());
    if (j.contains("env") && j["env"].contains("RSYNC_PASSWORD"))
      return j["env"]["RSYNC_PASSWORD"].get<std::string>();
  } catch (...) {
  }
  return "";
}

}  // namespace

int run_replay(const Args& in) {
  Args args = in;
  std::string client_cap, server_cap, port, conn, idle, total;
  ReplayOptions o;
  const bool as_client = take_value(args, "--as-client", &client_cap);
  const bool as_server = take_value(args, "--as-server", &server_cap);
  take_value(args, "--port", &port);
  take_value(args, "--host", &o.host);
  take_value(args, "--conn", &conn);
  const bool have_password = take_value(args, "--password", &o.password);
  if (take_value(args, "--idle", &idle)) o.idle_seconds = std::atof(idle.c_str());
  if (take_value(args, "--timeout", &total)) o.total_seconds = std::atof(total.c_str());
  const bool json = take_flag(args, "--json");
  DiffOptions dopt;
  dopt.mask_error_trailer = take_flag(args, "--mask-error-trailer");
  if (as_client == as_server || port.empty() || !args.empty()) {
    std::fprintf(
        stderr,
        "usage: crsync-pcap replay --as-client CAPTURE --port P [--host H] [--password PW]\n"
        "       crsync-pcap replay --as-server CAPTURE --port P\n"
        "       [--json] [--idle S] [--timeout S] [--mask-error-trailer]\n");
    return kExitUnusable;
  }
  o.port = std::atoi(port.c_str());
  const std::string cap = as_client ? client_cap : server_cap;
  LoadedSession rec;
  Status st = load_session(cap, conn, &rec);
  if (!st.ok()) {
    std::fprintf(stderr, "crsync-pcap: %s: %s\n", cap.c_str(), st.to_string().c_str());
    return kExitUnusable;
  }
  if (!rec.remote_command.empty()) {
    std::fprintf(stderr, "crsync-pcap: %s: a remote-shell recording cannot be replayed over TCP\n",
                 cap.c_str());
    return kExitUnusable;
  }
  if (!have_password) {
    const char* env = std::getenv("RSYNC_PASSWORD");
    o.password = env ? env : scenario_password(cap);
  }
  o.announce = as_server;
  ReplayResult r;
  st = as_client ? replay_as_client(rec, o, &r) : replay_as_server(rec, o, &r);
  if (!st.ok()) {
    std::fprintf(stderr, "crsync-pcap: replay: %s\n", st.to_string().c_str());
    if (r.sent.empty() && r.received.empty()) return kExitUnusable;
  }
  // The live session: what we sent on the recorded side, what came back.
  // Only the live side is under test: when the peer went away before all of
  // the recorded side could be sent (upstream's own processes race the same
  // way), the unsent rest stands as recorded.
  Bytes ours = r.sent;
  const StreamBuffer& recorded_ours = as_client ? rec.dissection.c2s.raw : rec.dissection.s2c.raw;
  if (ours.size() < recorded_ours.size())
    ours.insert(ours.end(), recorded_ours.begin() + static_cast<std::ptrdiff_t>(ours.size()),
                recorded_ours.end());
  Dissection live =
      as_client ? dissect_session(ours, r.received) : dissect_session(r.received, ours);
  const DiffReport rep = diff_sessions(rec.dissection, live, dopt);
  const Dir checked = as_client ? Dir::kS2C : Dir::kC2S;
  // Only the live side's stream is under test; the replayed side is ours.
  const LevelResult& l1 = rep.levels[1];
  const bool ok = st.ok() && l1.holds;
  if (json) {
    nlohmann::json j{{"capture", cap},
                     {"mode", as_client ? "as-client" : "as-server"},
                     {"checked", dir_name(checked)},
                     {"sent", r.sent.size()},
                     {"received", r.received.size()},
                     {"recorded", rec.dissection.dir(checked).raw.size()},
                     {"stalls", r.stalls},
                     {"error", st.ok() ? "" : st.to_string()}};
    for (int i = 0; i < 3; ++i) {
      const LevelResult& lr = rep.levels[static_cast<size_t>(i)];
      j["L" + std::to_string(i)] = {{"holds", lr.holds},
                                    {"first_divergence", lr.holds ? "" : lr.first.summary},
                                    {"trailer_masked", lr.trailer_masked}};
    }
    j["agree"] = ok;
    std::printf("%s\n", j.dump(1).c_str());
  } else {
    std::printf("replay %s %s: sent %zu bytes, received %zu (recorded %zu), %zu idle waits\n",
                as_client ? "--as-client" : "--as-server", cap.c_str(), r.sent.size(),
                r.received.size(), rec.dissection.dir(checked).raw.size(), r.stalls);
    for (int i = 0; i < 3; ++i) {
      const LevelResult& lr = rep.levels[static_cast<size_t>(i)];
      std::printf("L%d %s%s%s\n", i, lr.holds ? "holds" : "differs", lr.holds ? "" : ": ",
                  lr.holds ? "" : lr.first.summary.c_str());
    }
    std::printf("result: the live %s %s the recording at L1\n", as_client ? "server" : "client",
                ok ? "matches" : "diverges from");
  }
  return ok ? kExitSame : kExitDiffer;
}

}  // namespace crsync::pcap::tool
