#include "transport/bwlimit.h"

#include <time.h>

#include <algorithm>
#include <cerrno>

namespace crsync::transport {
namespace {

constexpr int64_t kSecond = 1000000;

int64_t now_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec / 1000;
}

}  // namespace

size_t BwPlan::max_chunk() const {
  return static_cast<size_t>(std::max<int64_t>(rate_ * 128, 512));
}

int64_t BwPlan::after_write(int64_t now, size_t bytes) {
  backlog_ += static_cast<int64_t>(bytes);
  if (prior_us_ >= 0) {
    backlog_ -= (now - prior_us_) * rate_ / (kSecond / 1024);
    backlog_ = std::max<int64_t>(backlog_, 0);
  }
  const int64_t sleep = backlog_ * (kSecond / 1024) / rate_;
  if (sleep < kSecond / 10) {
    prior_us_ = now;
    return 0;
  }
  return sleep;
}

void BwPlan::slept(int64_t planned_us, int64_t start_us, int64_t end_us) {
  prior_us_ = end_us;
  backlog_ = std::max<int64_t>((planned_us - (end_us - start_us)) * rate_ / (kSecond / 1024), 0);
}

Status BwLimitedChannel::write_all(ByteSpan data) {
  while (!data.empty()) {
    const size_t n = std::min(data.size(), plan_.max_chunk());
    CRSYNC_RETURN_IF_ERROR(inner_.write_all(data.subspan(0, n)));
    data = data.subspan(n);
    const int64_t start = now_us();
    const int64_t sleep = plan_.after_write(start, n);
    if (sleep > 0) {
      timespec ts{static_cast<time_t>(sleep / kSecond), static_cast<long>(sleep % kSecond) * 1000};
      while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
      plan_.slept(sleep, start, now_us());
    }
  }
  return Status::Ok();
}

}  // namespace crsync::transport
