// The file-list index ("ndx") codec (upstream io.c write_ndx/read_ndx).
// Below protocol 30 an ndx is a plain int32. From 30 it is byte-reduced
// against the previous value sent in the same direction, with separate state
// for positive and negative values; NDX_DONE is the single byte 0x00.
// One NdxEncoder per outgoing stream and one NdxDecoder per incoming stream.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::wire {

class NdxEncoder {
 public:
  explicit NdxEncoder(int protocol) : protocol_(protocol) {}
  void put(ByteWriter& w, int32_t ndx);

 private:
  int protocol_;
  int32_t prev_positive_ = -1;
  int32_t prev_negative_ = 1;
};

class NdxDecoder {
 public:
  explicit NdxDecoder(int protocol) : protocol_(protocol) {}
  // On need-more the decoder's state is unchanged; rewind the reader to
  // where this call started and call again with more input.
  Status get(ByteReader& r, int32_t* ndx);

 private:
  int protocol_;
  int32_t prev_positive_ = -1;
  int32_t prev_negative_ = 1;
};

}  // namespace crsync::wire
