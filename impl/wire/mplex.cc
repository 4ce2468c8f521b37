#include "wire/mplex.h"

#include <array>
#include <string>

#include "base/check.h"

namespace crsync::wire {
namespace {

constexpr uint32_t kTextMax = kBigPathBufLen;  // read_a_msg's `data` buffer

constexpr std::array<MsgSpec, 18> kSpecs = {{
    {MsgCode::kData, "MSG_DATA", kFromSender | kFromReceivingSide | kFromServer, 0, -1,
     kMaxMplexPayload + 1, -1},
    {MsgCode::kErrorXfer, "MSG_ERROR_XFER", kFromServer, 0, -1, kTextMax, -1},
    {MsgCode::kInfo, "MSG_INFO", kFromServer, 0, -1, kTextMax, -1},
    {MsgCode::kError, "MSG_ERROR", kFromServer, 30, -1, kTextMax, -1},
    {MsgCode::kWarning, "MSG_WARNING", kFromServer, 30, -1, kTextMax, -1},
    {MsgCode::kErrorSocket, "MSG_ERROR_SOCKET", kInternalOnly, 0, -1, kTextMax, -1},
    {MsgCode::kLog, "MSG_LOG", kInternalOnly, 0, -1, kTextMax, -1},
    {MsgCode::kClient, "MSG_CLIENT", kInternalOnly, 0, -1, kTextMax, -1},
    {MsgCode::kErrorUtf8, "MSG_ERROR_UTF8", kInternalOnly, 0, -1, kTextMax, -1},
    {MsgCode::kRedo, "MSG_REDO", kInternalOnly, 0, 4, 0, -1},
    {MsgCode::kStats, "MSG_STATS", kInternalOnly, 0, 8, 0, -1},
    {MsgCode::kIoError, "MSG_IO_ERROR", kFromSender, 0, 4, 0, -1},
    {MsgCode::kIoTimeout, "MSG_IO_TIMEOUT", kFromServer, 31, 4, 0, -1},
    {MsgCode::kNoop, "MSG_NOOP", kFromSender | kFromReceivingSide | kFromServer, 30, 0, 0, -1},
    {MsgCode::kErrorExit, "MSG_ERROR_EXIT", kFromSender | kFromReceivingSide, 31, 4, 0, 0},
    {MsgCode::kSuccess, "MSG_SUCCESS", kFromReceivingSide, 0, 4, 0, 4 + 8 + 8},
    {MsgCode::kDeleted, "MSG_DELETED", kFromReceivingSide, 29, -1, kTextMax, -1},
    {MsgCode::kNoSend, "MSG_NO_SEND", kFromSender, 30, 4, 0, -1},
}};

}  // namespace

const MsgSpec* msg_spec(uint8_t code) {
  for (const auto& s : kSpecs)
    if (static_cast<uint8_t>(s.code) == code) return &s;
  return nullptr;
}

std::string_view msg_name(uint8_t code) {
  const MsgSpec* s = msg_spec(code);
  return s ? std::string_view(s->name) : std::string_view("MSG_UNKNOWN");
}

void put_mplex_header(ByteWriter& w, MsgCode code, uint32_t length) {
  CRSYNC_ASSERT(length <= kMaxMplexPayload);
  w.le32((static_cast<uint32_t>(kMplexBase + static_cast<int>(code)) << 24) | length);
}

void put_mplex_frame(ByteWriter& w, MsgCode code, ByteSpan payload) {
  put_mplex_header(w, code, static_cast<uint32_t>(payload.size()));
  w.append(payload);
}

Status get_mplex_header(ByteReader& r, MplexHeader* out) {
  uint32_t tag = 0;
  CRSYNC_RETURN_IF_ERROR(r.le32(&tag));
  const uint32_t hi = tag >> 24;
  CRSYNC_PEER_CHECK(hi >= static_cast<uint32_t>(kMplexBase), ExitCode::kStreamIo,
                    "unexpected tag " + std::to_string(static_cast<int>(hi) - kMplexBase));
  out->code = static_cast<uint8_t>(hi - kMplexBase);
  out->length = tag & kMaxMplexPayload;
  return Status::Ok();
}

Status check_incoming_frame(const MplexHeader& h, const MplexEndpoint& me, int protocol) {
  const MsgSpec* s = msg_spec(h.code);
  const auto bad = [&](const char* why) {
    return Status::Stream(std::string("invalid multiplexed message ") +
                          std::string(msg_name(h.code)) + " (tag " + std::to_string(h.code) +
                          ", length " + std::to_string(h.length) + "): " + why);
  };
  if (!s) return Status::Stream("unexpected tag " + std::to_string(h.code));
  if (s->origins & kInternalOnly) return bad("internal message on the socket");
  // The peer's role is the opposite of ours.
  const bool peer_is_server = !me.am_server;
  const bool peer_is_sender = !me.am_sender;
  bool allowed = false;
  if ((s->origins & kFromSender) && peer_is_sender) allowed = true;
  if ((s->origins & kFromReceivingSide) && !peer_is_sender) allowed = true;
  if ((s->origins & kFromServer) && peer_is_server) allowed = true;
  if (!allowed) return bad("not allowed from this peer");
  // Like upstream, the protocol version is not checked here: a code is judged
  // by role and length only (older peers never send the newer codes).
  (void)protocol;
  if (s->fixed_len >= 0) {
    int alt = s->alt_fixed_len;
    if (s->code == MsgCode::kSuccess) {
      // A local server sends dev/ino too; a remote one only the index.
      const uint32_t want = me.local_server ? 4 + 8 + 8 : 4;
      if (h.length != want) return bad("wrong length");
      return Status::Ok();
    }
    if (h.length != static_cast<uint32_t>(s->fixed_len) &&
        (alt < 0 || h.length != static_cast<uint32_t>(alt)))
      return bad("wrong length");
  } else if (h.length >= s->max_len) {
    return bad("too long");
  }
  return Status::Ok();
}

Status MplexDecoder::next(ByteReader& r, Frame* out) const {
  const size_t start = r.pos();
  MplexHeader h;
  Status s = get_mplex_header(r, &h);
  if (!s.ok()) {
    if (s.need_more()) r.seek(start);
    return s;
  }
  CRSYNC_RETURN_IF_ERROR(check_incoming_frame(h, me_, protocol_));
  ByteSpan payload;
  s = r.take(h.length, &payload);
  if (!s.ok()) {
    r.seek(start);
    return s;
  }
  out->header = h;
  out->payload = payload;
  return Status::Ok();
}

}  // namespace crsync::wire
