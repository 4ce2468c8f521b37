#include "transport/byte_channel.h"

namespace crsync::transport {

Status ByteChannel::read_exact(uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t k = 0;
    CRSYNC_RETURN_IF_ERROR(read_some(buf + got, n - got, &k));
    if (k == 0) return Status::Stream("connection unexpectedly closed");
    got += k;
  }
  return Status::Ok();
}

}  // namespace crsync::transport
