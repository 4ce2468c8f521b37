// crsync-pcap streams / show.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "pcap/capture_loader.h"
#include "pcap/element_format.h"
#include "pcap/tool/verbs.h"

namespace crsync::pcap::tool {
namespace {

nlohmann::json stream_stats_json(const StreamStats& s, size_t bytes) {
  return {{"bytes", bytes},
          {"segments", s.segments},
          {"duplicate_bytes", s.duplicate_bytes},
          {"out_of_order", s.out_of_order},
          {"gap", s.gap},
          {"gap_offset", s.gap_offset}};
}

}  // namespace

int run_streams(const Args& in) {
  Args args = in;
  const bool json = take_flag(args, "--json");
  if (args.size() != 1) {
    std::fprintf(stderr, "usage: crsync-pcap streams CAPTURE [--json]\n");
    return kExitUnusable;
  }
  std::vector<Connection> conns;
  CaptureStats cs;
  Status st = reassemble_file(args[0], &conns, &cs);
  if (!st.ok()) {
    std::fprintf(stderr, "crsync-pcap: %s\n", st.to_string().c_str());
    return kExitUnusable;
  }
  nlohmann::json all = nlohmann::json::array();
  if (!json)
    std::printf("%s: %zu frames, %zu TCP segments, %zu other frames, %zu connections\n",
                args[0].c_str(), cs.frames, cs.tcp_segments, cs.skipped, conns.size());
  for (size_t i = 0; i < conns.size(); ++i) {
    const Connection& c = conns[i];
    if (json) {
      all.push_back({{"index", i},
                     {"client", c.client.to_string()},
                     {"server", c.server.to_string()},
                     {"first_frame", c.first_frame},
                     {"syn", c.saw_syn},
                     {"fin", c.saw_fin},
                     {"rst", c.saw_rst},
                     {"c2s", stream_stats_json(c.c2s.stats, c.c2s.data.size())},
                     {"s2c", stream_stats_json(c.s2c.stats, c.s2c.data.size())}});
      continue;
    }
    std::printf("[%zu] %s -> %s  first frame %zu%s%s%s\n", i, c.client.to_string().c_str(),
                c.server.to_string().c_str(), c.first_frame, c.saw_syn ? " SYN" : "",
                c.saw_fin ? " FIN" : "", c.saw_rst ? " RST" : "");
    for (const HalfStream* h : {&c.c2s, &c.s2c}) {
      std::printf("    %s: %zu bytes in %zu segments, %zu duplicate bytes, %zu out of order%s\n",
                  h == &c.c2s ? "c2s" : "s2c", h->data.size(), h->stats.segments,
                  h->stats.duplicate_bytes, h->stats.out_of_order,
                  h->stats.gap ? (" GAP at " + std::to_string(h->stats.gap_offset)).c_str() : "");
    }
  }
  if (json)
    std::printf("%s\n", nlohmann::json{{"capture", args[0]},
                                       {"frames", cs.frames},
                                       {"tcp_segments", cs.tcp_segments},
                                       {"connections", all}}
                            .dump()
                            .c_str());
  return kExitSame;
}

int run_show(const Args& in) {
  Args args = in;
  const bool json = take_flag(args, "--json");
  const bool summary_only = take_flag(args, "--summary");
  std::string conn;
  take_value(args, "--conn", &conn);
  if (args.size() != 1) {
    std::fprintf(stderr,
                 "usage: crsync-pcap show CAPTURE [--conn N|port:P] [--json] [--summary]\n");
    return kExitUnusable;
  }
  LoadedSession s;
  Status st = load_session(args[0], conn, &s);
  if (!st.ok()) {
    std::fprintf(stderr, "crsync-pcap: %s\n", st.to_string().c_str());
    return kExitUnusable;
  }
  const Dissection& d = s.dissection;
  const std::string facts = d.have_facts ? d.facts.summary()
                            : d.daemon || d.remote_shell
                                ? "protocol " + std::to_string(d.text.protocol)
                            : s.remote_command.empty() ? "not an rsync daemon session"
                                                       : "not an rsync remote-shell session";
  if (json) {
    nlohmann::json j{{"type", "session"},
                     {"capture", s.path},
                     {"connection", s.connection},
                     {"client", s.client.to_string()},
                     {"server", s.server.to_string()},
                     {"facts", facts}};
    if (!s.remote_command.empty()) j["remote_command"] = s.remote_command;
    std::printf("%s\n", j.dump().c_str());
  } else if (!s.remote_command.empty()) {
    std::printf("# %s remote shell: %s\n# %s\n", s.path.c_str(), s.remote_command.c_str(),
                facts.c_str());
  } else {
    std::printf("# %s connection %zu: %s -> %s\n# %s\n", s.path.c_str(), s.connection,
                s.client.to_string().c_str(), s.server.to_string().c_str(), facts.c_str());
  }
  if (!summary_only) {
    // Both directions, in capture order (then by direction and offset).
    struct Ref {
      size_t frame;
      const Element* e;
    };
    std::vector<Ref> refs;
    for (Dir dir : {Dir::kC2S, Dir::kS2C})
      for (const Element& e : d.dir(dir).elements) refs.push_back({s.frame_of(dir, e.offset), &e});
    std::stable_sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
      if (a.frame != b.frame) return a.frame < b.frame;
      if (a.e->dir != b.e->dir) return a.e->dir < b.e->dir;
      return a.e->offset < b.e->offset;
    });
    for (const Ref& r : refs) {
      if (json)
        std::printf("%s\n", element_json(*r.e, r.frame).dump().c_str());
      else
        std::printf("%s\n", element_line(*r.e, r.frame).c_str());
    }
  }
  size_t elements = d.c2s.elements.size() + d.s2c.elements.size();
  if (json) {
    std::printf("%s\n", nlohmann::json{{"type", "summary"},
                                       {"elements", elements},
                                       {"c2s_bytes", d.c2s.raw.size()},
                                       {"s2c_bytes", d.s2c.raw.size()},
                                       {"c2s_undecoded", d.c2s.undecoded_bytes()},
                                       {"s2c_undecoded", d.s2c.undecoded_bytes()},
                                       {"c2s_gap", s.c2s_stats.gap},
                                       {"s2c_gap", s.s2c_stats.gap},
                                       {"problem", d.problem}}
                            .dump()
                            .c_str());
  } else {
    std::printf(
        "# %zu elements; c2s %zu bytes, %llu undecoded; s2c %zu bytes, %llu undecoded%s%s\n",
        elements, d.c2s.raw.size(), static_cast<unsigned long long>(d.c2s.undecoded_bytes()),
        d.s2c.raw.size(), static_cast<unsigned long long>(d.s2c.undecoded_bytes()),
        d.problem.empty() ? "" : "; ", d.problem.c_str());
  }
  return d.undecoded_bytes() == 0 ? kExitSame : kExitDiffer;
}

}  // namespace crsync::pcap::tool
