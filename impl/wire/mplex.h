// The multiplexed stream (upstream io.c send_msg/read_a_msg): each frame is a
// 4-byte little-endian header ((MPLEX_BASE + code) << 24 | length) and a
// payload of up to 0xFFFFFF bytes. This file holds the header codec, the
// table of MSG_ codes (who may send each on the socket, from which protocol,
// with which payload length), the check applied to every incoming frame, and
// an incremental frame decoder that does no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "wire/protocol_format.h"

namespace crsync::wire {

// Who may put a message on the socket. The rsync roles: the sender, and the
// receiving side (generator + receiver), which face each other; independent
// of that, one end is the server and the other the client.
enum MsgOrigin : uint8_t {
  kFromSender = 1u << 0,         // the sending role, client or server
  kFromReceivingSide = 1u << 1,  // the generator/receiver role
  kFromServer = 1u << 2,         // the server end (log output for the client)
  kInternalOnly = 1u << 3,       // receiver->generator pipe; never on the socket
};

struct MsgSpec {
  MsgCode code;
  const char* name;   // upstream's name, e.g. "MSG_DATA"
  uint8_t origins;    // MsgOrigin bits: who may send it on the socket
  int min_protocol;   // first protocol that carries it on the socket
  int fixed_len;      // exact payload length, or -1 when variable
  uint32_t max_len;   // upper bound when variable (exclusive)
  int alt_fixed_len;  // a second allowed exact length, or -1
};

// The spec of a code, or nullptr for a code upstream does not define.
const MsgSpec* msg_spec(uint8_t code);
std::string_view msg_name(uint8_t code);

struct MplexHeader {
  uint8_t code = 0;     // MSG_ code (header byte minus MPLEX_BASE)
  uint32_t length = 0;  // payload length
};

void put_mplex_header(ByteWriter& w, MsgCode code, uint32_t length);
// Appends one whole frame; the payload must be <= 0xFFFFFF bytes.
void put_mplex_frame(ByteWriter& w, MsgCode code, ByteSpan payload);
// Decodes a header. A tag below MPLEX_BASE is a stream error: the peer is not
// multiplexing (upstream: "unexpected tag").
Status get_mplex_header(ByteReader& r, MplexHeader* out);

// What an endpoint is, for judging frames it receives.
struct MplexEndpoint {
  bool am_server = false;
  bool am_sender = false;
  bool local_server = false;  // both ends in one process (MSG_SUCCESS carries dev/ino)
};

// Rejects a frame this endpoint must not receive: an undefined code, an
// internal-only code, a code not allowed from the peer's role or before its
// protocol, or a wrong payload length. Upstream exits with code 12 for each.
Status check_incoming_frame(const MplexHeader& h, const MplexEndpoint& me, int protocol);

// Incremental decoder: feed it a reader over whatever bytes have arrived;
// next() yields one complete frame at a time (its payload points into the
// reader's buffer) or need-more, in which case nothing was consumed.
class MplexDecoder {
 public:
  struct Frame {
    MplexHeader header;
    ByteSpan payload;
  };
  MplexDecoder(MplexEndpoint me, int protocol) : me_(me), protocol_(protocol) {}
  Status next(ByteReader& r, Frame* out) const;

 private:
  MplexEndpoint me_;
  int protocol_;
};

}  // namespace crsync::wire
