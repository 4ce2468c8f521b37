#include "session/local_bridge.h"

namespace crsync::session {

bool LocalBridge::offer(int32_t ndx, int fd, int64_t size) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (items_.size() >= kMaxPending && !items_.count(ndx)) return false;
    Item& it = items_[ndx];
    it.fd = fs::Fd(fd);
    it.size = size;
    it.seq = next_seq_++;
    ++posted_;
  }
  if (after_post_) after_post_(ndx);
  return true;
}

bool LocalBridge::take(int32_t ndx, fs::Fd* fd, int64_t* size) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = items_.find(ndx);
  if (it == items_.end()) return false;
  const uint64_t seq = it->second.seq;
  *fd = std::move(it->second.fd);
  *size = it->second.size;
  items_.erase(it);
  for (auto o = items_.begin(); o != items_.end();) {
    if (o->second.seq < seq)
      o = items_.erase(o);
    else
      ++o;
  }
  return true;
}

void LocalBridge::note_short(int32_t ndx, int err) {
  std::lock_guard<std::mutex> lock(mu_);
  short_[ndx] = err;
}

int LocalBridge::take_short(int32_t ndx) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = short_.find(ndx);
  if (it == short_.end()) return 0;
  const int err = it->second;
  short_.erase(it);
  return err;
}

bool format_shows_checksum(std::string_view format) {
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    size_t j = i + 1;
    while (j < format.size() &&
           (format[j] == '-' || format[j] == '\'' || (format[j] >= '0' && format[j] <= '9')))
      ++j;
    if (j < format.size() && format[j] == 'C') return true;
    i = j;
  }
  return false;
}

}  // namespace crsync::session
