// One protocol element of a dissected session: what the dissector reports for
// every byte range of a capture (a greeting line, a multiplex frame header, a
// file-list entry, an ndx, a token...), with where it lies in the raw TCP
// stream and in the demultiplexed stream, its decoded fields, and how a
// comparison treats it (levels it belongs to, mask).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace crsync::pcap {

enum class Dir : uint8_t { kC2S = 0, kS2C = 1 };
const char* dir_name(Dir d);  // "c2s" / "s2c"

// What a comparison leaves out by default, and why (listed in diff reports).
enum class Mask : uint8_t {
  kNone,
  kAuth,          // the daemon's challenge and the client's response: time, pid, address
  kSeed,          // the checksum seed when the arguments do not pin it
  kStatsFraming,  // total_read / total_written: they count multiplex headers
  kStatsTime,     // file-list build and transfer times
};
const char* mask_name(Mask m);

// Where an element's bytes are compared at L1: the raw stream (text phase,
// binary prologue, out-of-band message payloads) or the demultiplexed
// MSG_DATA stream.
enum class Plane : uint8_t { kRaw, kData };

// Which sequence an element belongs to at L1 and L2: the in-band data (text,
// prologue, MSG_DATA content) or the out-of-band messages, compared apart so
// that where a message falls between data frames does not matter.
enum class Track : uint8_t { kData, kMessages };

struct Field {
  std::string name;
  std::string value;
};

struct Element {
  Dir dir = Dir::kC2S;
  std::string kind;     // "greeting", "frame", "file-list entry", "ndx", "token literal", ...
  int64_t index = -1;   // ordinal where meaningful (file-list entry 17, block sum 3)
  std::string subject;  // what it is about: a file name, a MSG_ name
  uint64_t offset = 0;  // raw stream offset of the first byte
  uint64_t length = 0;  // raw bytes from the first to the last (frame headers between included)
  Plane plane = Plane::kRaw;
  uint64_t data_offset = 0;  // offset in `plane` (raw: == offset)
  uint64_t data_length = 0;
  Track track = Track::kData;
  bool in_l1 = true;  // false: framing only (frame headers, keepalives)
  bool in_l2 = true;  // false: compared through a decoded summary (compressed token bytes)
  Mask mask = Mask::kNone;
  bool undecoded = false;  // bytes the dissector could not decode
  std::vector<Field> fields;

  Element& add(std::string name, std::string value) {
    fields.push_back({std::move(name), std::move(value)});
    return *this;
  }
  const std::string* field(const std::string& name) const;
  // "s2c file-list entry 17 \"bin/append.bin\"".
  std::string describe() const;
};

}  // namespace crsync::pcap
