// Dissects one recorded daemon or remote-shell session from its two byte
// streams: text exchange or version exchange, binary prologue, multiplex frames and messages,
// and the transfer roles' data, into one ordered list of elements per
// direction. Pure: no I/O; every byte of both streams is either inside a
// decoded element or reported in an "undecoded" one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "pcap/daemon_session.h"
#include "pcap/element.h"
#include "pcap/frame_walker.h"
#include "pcap/session_facts.h"

namespace crsync::pcap {

struct DirectionDissection {
  StreamBuffer raw;               // the reassembled stream
  Demultiplexed demux;            // MSG_DATA content and its map to raw offsets
  std::vector<Element> elements;  // every element, by raw offset
  uint64_t decoded_bytes = 0;     // raw bytes inside decoded elements
  uint64_t undecoded_bytes() const { return raw.size() - decoded_bytes; }
  // The bytes an element is compared by at L1.
  ByteSpan l1_bytes(const Element& e) const;
};

struct Dissection {
  bool daemon = false;        // the text phase parsed as an rsync daemon session
  bool remote_shell = false;  // a remote-shell session whose versions parsed
  DaemonText text;
  BinaryPrologue prologue;
  bool have_facts = false;
  SessionFacts facts;
  std::string problem;  // why decoding stopped early, if it did
  DirectionDissection c2s, s2c;

  const DirectionDissection& dir(Dir d) const { return d == Dir::kC2S ? c2s : s2c; }
  uint64_t undecoded_bytes() const { return c2s.undecoded_bytes() + s2c.undecoded_bytes(); }
};

Dissection dissect_session(StreamBuffer c2s, StreamBuffer s2c);

// A remote-shell session: the options come from the server's command line
// (its arguments from "--server" on), there is no text phase.
Dissection dissect_rsh_session(StreamBuffer c2s, StreamBuffer s2c,
                               const std::vector<std::string>& server_args);

}  // namespace crsync::pcap
