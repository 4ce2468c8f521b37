// Compares two dissected sessions at three levels and finds the first
// divergence of each, with its protocol context:
//   L0  raw bytes of each direction's reassembled stream;
//   L1  the demultiplexed session: text, prologue and MSG_DATA content
//       element by element, out-of-band messages as their own sequence;
//       frame boundaries and keepalives ignored;
//   L2  decoded values: every element's fields, token streams through
//       their decoded summary (compressed bytes may differ).
// Masked elements (auth challenge/response, an unpinned seed, statistics
// that count framing or time) are compared by kind only, at every level.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "pcap/session_dissector.h"

namespace crsync::pcap {

enum class Level { kL0 = 0, kL1 = 1, kL2 = 2 };
const char* level_name(Level l);

struct DiffOptions {
  bool masks = true;
  // Opt-in: an error message's trailer " at FILE(LINE) [ROLE=VERSION]"
  // (upstream log_exit names its own source line and version) is compared
  // as if equal; the rest of the text must still agree.
  bool mask_error_trailer = false;
  // Orders divergences of different directions: the capture-A frame of a
  // raw offset (default: the offset itself).
  std::function<size_t(Dir, uint64_t)> when_a;
};

struct Divergence {
  Dir dir = Dir::kC2S;
  uint64_t offset_a = 0, offset_b = 0;  // raw stream offsets
  std::string element_a, element_b;     // "s2c file-list entry 17 \"x\"" (or "end of stream")
  std::string field, expected, actual;  // the first differing field, when there is one
  std::string summary;                  // one line with all of it
};

struct LevelResult {
  bool holds = true;
  Divergence first;     // when !holds
  size_t compared = 0;  // bytes (L0) or elements (L1, L2) compared
  size_t masked = 0;    // of which masked
  // Elements that agreed only because of mask_error_trailer.
  size_t trailer_masked = 0;
};

struct DiffReport {
  std::array<LevelResult, 3> levels;
  std::vector<std::string> masks;  // what was masked, in words
};

DiffReport diff_sessions(const Dissection& a, const Dissection& b, const DiffOptions& o);

}  // namespace crsync::pcap
