#include "delta/token_codec.h"

#include <algorithm>
#include <string>

#include "base/check.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::delta {

void put_literal(ByteWriter& w, ByteSpan data) {
  size_t off = 0;
  while (off < data.size()) {
    const size_t n = std::min<size_t>(data.size() - off, wire::kChunkSize);
    put_literal_head(w, n);
    w.append(data.subspan(off, n));
    off += n;
  }
}

void put_literal_head(ByteWriter& w, size_t n) {
  CRSYNC_ASSERT(n > 0 && n <= static_cast<size_t>(wire::kChunkSize));
  wire::put_int32(w, static_cast<int32_t>(n));
}

void put_block(ByteWriter& w, int32_t block) {
  wire::put_int32(w, -(block + 1));
}
void put_end(ByteWriter& w) {
  wire::put_int32(w, 0);
}

Status get_token(ByteReader& r, int32_t block_count, Token* out) {
  int32_t t = 0;
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &t));
  if (t == 0) {
    out->kind = Token::Kind::kEnd;
    return Status::Ok();
  }
  if (t > 0) {
    CRSYNC_PEER_CHECK(t <= wire::kChunkSize, ExitCode::kProtocol,
                      "invalid literal token length " + std::to_string(t));
    ByteSpan d;
    CRSYNC_RETURN_IF_ERROR(r.take(static_cast<size_t>(t), &d));
    out->kind = Token::Kind::kLiteral;
    out->literal = d;
    return Status::Ok();
  }
  const int64_t block = -(int64_t{t} + 1);
  CRSYNC_PEER_CHECK(block < block_count, ExitCode::kProtocol,
                    "invalid block reference " + std::to_string(block) + " (of " +
                        std::to_string(block_count) + ")");
  out->kind = Token::Kind::kBlock;
  out->block = static_cast<int32_t>(block);
  return Status::Ok();
}

}  // namespace crsync::delta
