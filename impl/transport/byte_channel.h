// A byte channel: the only thing role logic reads from and writes to. The
// blocking driver backs it with file descriptors (pipes, sockets) or with an
// in-memory pipe between threads; an Asio driver will back it with async
// streams. Role code never touches a socket.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::transport {

class ByteChannel {
 public:
  virtual ~ByteChannel() = default;
  // Reads at least 1 byte (blocking) into buf[0..cap); *n = 0 means the peer
  // closed its end. Errors carry exit code 12 (stream) or 30 (timeout).
  virtual Status read_some(uint8_t* buf, size_t cap, size_t* n) = 0;
  // Writes everything (blocking).
  virtual Status write_all(ByteSpan data) = 0;
  // Writes all of *buf. A channel may take the buffer itself instead of
  // copying it (the in-memory pipe does), leaving *buf holding some other
  // buffer of unspecified size and content for the caller to reuse.
  virtual Status write_buffer(Bytes* buf) { return write_all(ByteSpan(*buf)); }
  // Signals end of output to the peer (half close).
  virtual void close_write() = 0;
  // Fails the channel from another thread: a blocked read_some returns a
  // stream error (a role died while another waits for input).
  virtual void abort() {}

  // Reads exactly n bytes; a clean EOF before them is a stream error.
  Status read_exact(uint8_t* buf, size_t n);
};

}  // namespace crsync::transport
