// A reader over one direction's demultiplexed data that turns what each
// decoding step consumed into an Element (data plane offsets; the session
// dissector maps them to raw stream offsets afterwards).
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "pcap/element.h"
#include "pcap/spool.h"

namespace crsync::pcap {

struct StreamCursor {
  StreamCursor(Dir d, ByteSpan data, std::vector<Element>* sink) : dir(d), r(data), out(sink) {}

  // The element for the bytes from `start` to the reader's position.
  Element& emit(std::string kind, size_t start, int64_t index = -1) {
    Element e;
    e.dir = dir;
    e.kind = std::move(kind);
    e.index = index;
    e.plane = Plane::kData;
    e.data_offset = start;
    e.data_length = r.pos() - start;
    note_read_progress(e.data_length);
    out->push_back(std::move(e));
    return out->back();
  }
  // Reports the rest of the stream as undecoded, with the reason, and
  // moves to its end.
  void undecoded(size_t start, const Status& why) {
    r.seek(start);
    if (r.empty() && why.need_more()) return;
    r.seek(r.size());
    Element& e = emit("undecoded", start);
    e.undecoded = true;
    e.add("reason", why.need_more() ? "stream ends inside an element" : why.to_string());
  }

  Dir dir;
  ByteReader r;
  std::vector<Element>* out;
};

}  // namespace crsync::pcap
