#include "transport/memory_pipe.h"

#include <algorithm>

namespace crsync::transport {

Status MemoryQueue::read_some(uint8_t* buf, size_t cap, size_t* n) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return size_ > 0 || closed_ || aborted_; });
  if (aborted_) return Status::Stream("connection aborted");
  size_t k = 0;
  while (k < cap && !q_.empty()) {
    Bytes& front = q_.front();
    const size_t take = std::min(cap - k, front.size() - front_off_);
    std::copy_n(front.data() + front_off_, take, buf + k);
    k += take;
    front_off_ += take;
    if (front_off_ == front.size()) {
      if (spent_.size() < 4) spent_.push_back(std::move(front));
      q_.pop_front();
      front_off_ = 0;
    }
  }
  size_ -= k;
  *n = k;
  cv_.notify_all();
  return Status::Ok();
}

Status MemoryQueue::write_all(ByteSpan data) {
  size_t off = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (off < data.size()) {
    cv_.wait(lock, [&] { return size_ < cap_ || aborted_ || closed_; });
    if (aborted_ || closed_) return Status::Stream("write to a closed channel");
    const size_t k = std::min(data.size() - off, cap_ - size_);
    q_.emplace_back(data.begin() + static_cast<std::ptrdiff_t>(off),
                    data.begin() + static_cast<std::ptrdiff_t>(off + k));
    size_ += k;
    off += k;
    cv_.notify_all();
  }
  return Status::Ok();
}

Status MemoryQueue::write_buffer(Bytes* buf) {
  if (buf->empty()) return Status::Ok();
  std::unique_lock<std::mutex> lock(mu_);
  // Bounded as write_all: the chunk goes in once it fits (or the queue is
  // empty, for a chunk larger than the whole capacity).
  cv_.wait(lock, [&] { return size_ + buf->size() <= cap_ || size_ == 0 || aborted_ || closed_; });
  if (aborted_ || closed_) return Status::Stream("write to a closed channel");
  size_ += buf->size();
  q_.push_back(std::move(*buf));
  if (!spent_.empty()) {
    *buf = std::move(spent_.back());
    spent_.pop_back();
  } else {
    *buf = Bytes();
  }
  cv_.notify_all();
  return Status::Ok();
}

void MemoryQueue::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

void MemoryQueue::abort() {
  std::lock_guard<std::mutex> lock(mu_);
  aborted_ = true;
  cv_.notify_all();
}

std::pair<std::unique_ptr<MemoryChannel>, std::unique_ptr<MemoryChannel>> make_memory_pipe(
    size_t capacity) {
  auto a2b = std::make_shared<MemoryQueue>(capacity);
  auto b2a = std::make_shared<MemoryQueue>(capacity);
  return {std::make_unique<MemoryChannel>(b2a, a2b), std::make_unique<MemoryChannel>(a2b, b2a)};
}

}  // namespace crsync::transport
