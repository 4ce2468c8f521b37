// Walks one direction's multiplexed stream (upstream io.c frames: a 4-byte
// header, then the payload): reports every frame header and out-of-band
// message as an element, concatenates the MSG_DATA payloads into the
// demultiplexed stream, and keeps the map from that stream's offsets back to
// raw offsets. A stream that is not multiplexed (the client's output below
// protocol 30) maps one to one.
#pragma once

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "pcap/element.h"
#include "pcap/spool.h"

namespace crsync::pcap {

class DataMap {
 public:
  void add(uint64_t data_off, uint64_t raw_off, uint64_t len);
  // The raw offset of demultiplexed byte `data_off`; the end of the last
  // piece for data_off == the stream's length.
  uint64_t raw_offset(uint64_t data_off) const;
  bool empty() const { return pieces_.empty(); }

 private:
  struct Piece {
    uint64_t data_off, raw_off, len;
  };
  std::vector<Piece> pieces_;
};

struct Demultiplexed {
  StreamBuffer data;  // in memory, or a mapped temporary file when large
  DataMap map;
  std::vector<Element> elements;  // frame headers, messages, a truncated tail
};

// `raw` is the whole direction's stream; multiplexing starts at `start`.
void walk_frames(ByteSpan raw, size_t start, Dir dir, Demultiplexed* out);
void plain_stream(ByteSpan raw, size_t start, Demultiplexed* out);

// Decodes an out-of-band message's payload into fields (text, int, name).
void decode_message(uint8_t code, ByteSpan payload, Element& e);

}  // namespace crsync::pcap
