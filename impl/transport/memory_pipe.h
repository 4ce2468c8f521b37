// An in-process channel pair for roles that run as threads in one process
// (local copies): what one end writes, the other reads. Bounded, so a fast
// writer blocks like on a real pipe.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "transport/byte_channel.h"

namespace crsync::transport {

// One direction: a bounded byte queue.
class MemoryQueue {
 public:
  explicit MemoryQueue(size_t capacity) : cap_(capacity) {}
  Status read_some(uint8_t* buf, size_t cap, size_t* n);
  Status write_all(ByteSpan data);
  // Queues *buf itself (no copy); *buf gets a spent chunk back to reuse.
  Status write_buffer(Bytes* buf);
  void close();  // the writer is done; readers drain then see EOF
  void abort();  // fail both ends (a role died)

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Bytes> q_;       // chunks as written; the front one is read from front_off_
  std::vector<Bytes> spent_;  // chunks read to the end, for write_buffer to hand back
  size_t front_off_ = 0;
  size_t size_ = 0;  // unread bytes in all chunks
  size_t cap_;
  bool closed_ = false;
  bool aborted_ = false;
};

class MemoryChannel : public ByteChannel {
 public:
  MemoryChannel(std::shared_ptr<MemoryQueue> in, std::shared_ptr<MemoryQueue> out)
      : in_(std::move(in)), out_(std::move(out)) {}
  ~MemoryChannel() override { out_->close(); }
  Status read_some(uint8_t* buf, size_t cap, size_t* n) override {
    return in_->read_some(buf, cap, n);
  }
  Status write_all(ByteSpan data) override { return out_->write_all(data); }
  Status write_buffer(Bytes* buf) override { return out_->write_buffer(buf); }
  void close_write() override { out_->close(); }
  void abort() override {
    in_->abort();
    out_->abort();
  }

 private:
  std::shared_ptr<MemoryQueue> in_;
  std::shared_ptr<MemoryQueue> out_;
};

// Two connected ends.
std::pair<std::unique_ptr<MemoryChannel>, std::unique_ptr<MemoryChannel>> make_memory_pipe(
    size_t capacity = 1 << 20);

}  // namespace crsync::transport
