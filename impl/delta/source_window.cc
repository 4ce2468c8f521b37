#include "delta/source_window.h"

#include <algorithm>
#include <cstring>

#include "base/check.h"

namespace crsync::delta {

ByteSpan SourceWindow::refill(uint64_t off, size_t len) {
  // An in-memory window holds the whole file: only a matcher bug asks
  // outside it.
  CRSYNC_ASSERT(read_ && off + len <= size_);
  // The new window starts at the kept point (a pending literal run must stay
  // contiguous with what follows it) and reaches at least window_ ahead.
  const uint64_t from = std::min(off, keep_);
  const uint64_t to = std::min<uint64_t>(size_, std::max<uint64_t>(off + len, from + window_));
  const auto need = static_cast<size_t>(to - from);
  // What the old window already has of the new one, from its start.
  size_t have = 0;
  if (from >= base_ && from < base_ + filled_) {
    have = std::min<size_t>(static_cast<size_t>(base_ + filled_ - from), need);
  }
  if (buf_.size() < need) {
    Bytes grown(std::max(need, buf_.size() * 2));
    if (have) std::memcpy(grown.data(), data_ + (from - base_), have);
    buf_.swap(grown);
  } else if (have && from != base_) {
    std::memmove(buf_.data(), data_ + (from - base_), have);
  }
  read_(from + have, buf_.data() + have, need - have);
  bytes_read_ += need - have;
  data_ = buf_.data();
  base_ = from;
  filled_ = need;
  return ByteSpan(data_ + (off - base_), len);
}

}  // namespace crsync::delta
