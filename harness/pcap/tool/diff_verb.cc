// crsync-pcap diff A B.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "pcap/capture_diff.h"
#include "pcap/capture_loader.h"
#include "pcap/tool/verbs.h"

namespace crsync::pcap::tool {

int run_diff(const Args& in) {
  Args args = in;
  const bool json = take_flag(args, "--json");
  const bool no_mask = take_flag(args, "--no-mask");
  std::string level = "L1", conn_a, conn_b;
  take_value(args, "--level", &level);
  take_value(args, "--conn-a", &conn_a);
  take_value(args, "--conn-b", &conn_b);
  int asked = -1;
  if (level == "L0" || level == "0") asked = 0;
  if (level == "L1" || level == "1") asked = 1;
  if (level == "L2" || level == "2") asked = 2;
  if (args.size() != 2 || asked < 0) {
    std::fprintf(stderr,
                 "usage: crsync-pcap diff A B [--level L0|L1|L2] [--conn-a SEL] [--conn-b SEL] "
                 "[--no-mask] [--json]\n");
    return kExitUnusable;
  }
  LoadedSession a, b;
  for (auto [s, path, sel] : {std::tuple{&a, args[0], conn_a}, std::tuple{&b, args[1], conn_b}}) {
    Status st = load_session(path, sel, s);
    if (!st.ok()) {
      std::fprintf(stderr, "crsync-pcap: %s: %s\n", path.c_str(), st.to_string().c_str());
      return kExitUnusable;
    }
    if (s->c2s_stats.gap || s->s2c_stats.gap) {
      std::fprintf(stderr, "crsync-pcap: %s: the capture misses bytes (a gap in a stream)\n",
                   path.c_str());
      return kExitUnusable;
    }
  }
  DiffOptions o;
  o.masks = !no_mask;
  o.when_a = [&a](Dir d, uint64_t off) { return a.frame_of(d, off); };
  const DiffReport rep = diff_sessions(a.dissection, b.dissection, o);
  const bool holds = rep.levels[static_cast<size_t>(asked)].holds;
  static const char* kWhat[] = {"raw bytes", "demultiplexed", "decoded"};
  if (json) {
    nlohmann::json j;
    j["a"] = args[0];
    j["b"] = args[1];
    j["level"] = "L" + std::to_string(asked);
    j["agree"] = holds;
    j["masks"] = rep.masks;
    for (int i = 0; i < 3; ++i) {
      const LevelResult& r = rep.levels[static_cast<size_t>(i)];
      nlohmann::json l{{"holds", r.holds}, {"compared", r.compared}, {"masked", r.masked}};
      if (!r.holds)
        l["first_divergence"] = {{"dir", dir_name(r.first.dir)},   {"offset_a", r.first.offset_a},
                                 {"offset_b", r.first.offset_b},   {"element_a", r.first.element_a},
                                 {"element_b", r.first.element_b}, {"field", r.first.field},
                                 {"expected", r.first.expected},   {"actual", r.first.actual},
                                 {"summary", r.first.summary}};
      j["L" + std::to_string(i)] = l;
    }
    j["undecoded_a"] = a.dissection.undecoded_bytes();
    j["undecoded_b"] = b.dissection.undecoded_bytes();
    std::printf("%s\n", j.dump(1).c_str());
  } else {
    std::printf("A: %s (connection %zu)\nB: %s (connection %zu)\n", args[0].c_str(), a.connection,
                args[1].c_str(), b.connection);
    for (int i = 0; i < 3; ++i) {
      const LevelResult& r = rep.levels[static_cast<size_t>(i)];
      std::printf("L%d %-14s %-7s (%zu %s compared, %zu masked)\n", i, kWhat[i],
                  r.holds ? "holds" : "differs", r.compared, i == 0 ? "bytes" : "elements",
                  r.masked);
      if (!r.holds) std::printf("   first divergence: %s\n", r.first.summary.c_str());
    }
    if (!rep.masks.empty()) {
      std::printf("masked (compared by kind only):\n");
      for (const std::string& m : rep.masks) std::printf("   %s\n", m.c_str());
    }
    for (const LoadedSession* s : {&a, &b})
      if (s->dissection.undecoded_bytes())
        std::printf("note: %s has %llu undecoded bytes (%s)\n", s->path.c_str(),
                    static_cast<unsigned long long>(s->dissection.undecoded_bytes()),
                    s->dissection.problem.c_str());
    std::printf("result: the captures %s at L%d\n", holds ? "agree" : "differ", asked);
  }
  return holds ? kExitSame : kExitDiffer;
}

}  // namespace crsync::pcap::tool
