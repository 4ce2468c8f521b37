#include "pcap/element.h"

namespace crsync::pcap {

const char* dir_name(Dir d) {
  return d == Dir::kC2S ? "c2s" : "s2c";
}

const char* mask_name(Mask m) {
  switch (m) {
    case Mask::kNone: return "none";
    case Mask::kAuth: return "auth";
    case Mask::kSeed: return "seed";
    case Mask::kStatsFraming: return "stats-framing";
    case Mask::kStatsTime: return "stats-time";
  }
  return "?";
}

const std::string* Element::field(const std::string& name) const {
  for (const Field& f : fields)
    if (f.name == name) return &f.value;
  return nullptr;
}

std::string Element::describe() const {
  std::string s = std::string(dir_name(dir)) + " " + kind;
  if (index >= 0) s += " " + std::to_string(index);
  if (!subject.empty()) s += " \"" + subject + "\"";
  return s;
}

}  // namespace crsync::pcap
