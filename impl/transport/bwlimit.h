// --bwlimit (upstream io.c sleep_for_bwlimit): after each write the writer
// sleeps long enough that its average rate stays at the limit. The sleep
// plan is a pure function of the clock, so that it is tested without
// sleeping; BwLimitedChannel applies it to any channel, writing in pieces
// of at most limit * 128 bytes (upstream bwlimit_writemax, 512 at least).
#pragma once

#include <cstdint>

#include "transport/byte_channel.h"

namespace crsync::transport {

class BwPlan {
 public:
  explicit BwPlan(int64_t kib_per_sec) : rate_(kib_per_sec) {}
  // Bytes per write at most.
  size_t max_chunk() const;
  // `bytes` were written at `now_us`: how long to sleep (µs; 0 below a
  // tenth of a second, as upstream). Call slept() after sleeping.
  int64_t after_write(int64_t now_us, size_t bytes);
  void slept(int64_t planned_us, int64_t start_us, int64_t end_us);

 private:
  int64_t rate_;           // KiB/s
  int64_t backlog_ = 0;    // bytes written ahead of the allowed rate
  int64_t prior_us_ = -1;  // when the backlog was last worked out
};

class BwLimitedChannel : public ByteChannel {
 public:
  BwLimitedChannel(ByteChannel& inner, int kib_per_sec) : inner_(inner), plan_(kib_per_sec) {}
  Status read_some(uint8_t* buf, size_t cap, size_t* n) override {
    return inner_.read_some(buf, cap, n);
  }
  Status write_all(ByteSpan data) override;
  void close_write() override { inner_.close_write(); }
  void abort() override { inner_.abort(); }

 private:
  ByteChannel& inner_;
  BwPlan plan_;
};

}  // namespace crsync::transport
