#include "delta/signature.h"

#include <algorithm>
#include <string>
#include <system_error>
#include <thread>

#include "base/check.h"
#include "checksum/rolling.h"
#include "wire/primitives.h"

namespace crsync::delta {

namespace {

// Sums blocks [from, to), whose bytes are `piece`, starting at file offset
// `base`.
void sum_blocks(ByteSpan piece, size_t base, Signature& sig, size_t from, size_t to,
                checksum::BlockSummer& s) {
  const auto s2 = static_cast<size_t>(sig.head.s2length);
  uint8_t full[64];
  for (size_t i = from; i < to; ++i) {
    const size_t off = i * static_cast<size_t>(sig.head.blength) - base;
    const size_t len = static_cast<size_t>(sig.block_len(static_cast<int32_t>(i)));
    const ByteSpan block = piece.subspan(off, len);
    sig.sum1[i] = checksum::RollingSum::compute(block);
    s.sum2(block, full);
    std::copy(full, full + s2, sig.sum2.begin() + static_cast<std::ptrdiff_t>(i * s2));
  }
}

Signature make_signature_impl(size_t size, const PieceReader& read, const checksum::SumHead& head,
                              checksum::BlockSummer& s) {
  Signature sig;
  sig.head = head;
  const auto count = static_cast<size_t>(head.count);
  sig.sum1.resize(count);
  sig.sum2.resize(count * static_cast<size_t>(head.s2length));
  if (count == 0) return sig;
  const auto blength = static_cast<size_t>(head.blength);
  const size_t per_piece = std::max<size_t>(1, kSignaturePiece / blength);
  // Blocks [a, b) as one read: offset and length.
  const auto extent = [&](size_t a, size_t b) {
    const size_t off = a * blength;
    const size_t end =
        (b - 1) * blength + static_cast<size_t>(sig.block_len(static_cast<int32_t>(b - 1)));
    return std::pair<size_t, size_t>(off, std::min(end, size) - std::min(off, size));
  };
  // Sums blocks [a, b) a piece at a time through one scratch buffer.
  const auto run = [&](size_t a, size_t b, checksum::BlockSummer& bs) {
    Bytes scratch;
    for (size_t first = a; first < b; first += per_piece) {
      const size_t last = std::min(b, first + per_piece);
      const auto [off, len] = extent(first, last);
      sum_blocks(read(off, len, scratch), off, sig, first, last, bs);
    }
  };
  // A large file's blocks are split in two halves, the second summed by one
  // helper thread: the receiving side has nothing else to do while the
  // sender waits for these sums. (One thread for the file: starting one
  // per piece cost more than the pieces on a slow host.)
  const bool two =
      size >= kSignatureTwoThreads && count >= 2 && std::thread::hardware_concurrency() > 1;
  if (!two) {
    run(0, count, s);
    return sig;
  }
  const size_t mid = count / 2;
  checksum::BlockSummer other = s.twin();
  std::thread helper;
  try {
    helper = std::thread([&, mid, count] { run(mid, count, other); });
  } catch (const std::system_error&) {
    // No thread to be had (a process limit): this thread does it all.
    run(0, count, s);
    return sig;
  }
  run(0, mid, s);
  helper.join();
  return sig;
}

}  // namespace

Signature make_signature(ByteSpan data, const checksum::SumHead& head, checksum::BlockSummer& s) {
  const PieceReader in_memory = [data](uint64_t off, size_t len, Bytes&) {
    return data.subspan(static_cast<size_t>(off), len);
  };
  return make_signature_impl(data.size(), in_memory, head, s);
}

Signature make_signature(size_t size, const PieceReader& read, const checksum::SumHead& head,
                         checksum::BlockSummer& s) {
  return make_signature_impl(size, read, head, s);
}

void put_sum_head(ByteWriter& w, const checksum::SumHead& h, int protocol) {
  wire::put_int32(w, h.count);
  wire::put_int32(w, h.blength);
  if (protocol >= 27) wire::put_int32(w, h.s2length);
  wire::put_int32(w, h.remainder);
}

void put_signature(ByteWriter& w, const Signature& sig, int protocol) {
  put_sum_head(w, sig.head, protocol);
  for (size_t i = 0; i < sig.sum1.size(); ++i) {
    wire::put_int32(w, static_cast<int32_t>(sig.sum1[i]));
    w.append(sig.strong(i));
  }
}

Status get_sum_head(ByteReader& r, int protocol, int xfer_sum_len, checksum::SumHead* h) {
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &h->count));
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &h->blength));
  h->s2length = xfer_sum_len;
  if (protocol >= 27) CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &h->s2length));
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &h->remainder));
  CRSYNC_RETURN_IF_ERROR(checksum::check_sum_head(*h, protocol, xfer_sum_len));
  const uint64_t bytes = static_cast<uint64_t>(h->count) * (4 + static_cast<uint64_t>(h->s2length));
  CRSYNC_PEER_CHECK(bytes <= kMaxSignatureBytes, ExitCode::kProtocol,
                    "Invalid checksum count " + std::to_string(h->count));
  return Status::Ok();
}

Status get_block_sums(ByteReader& r, Signature* sig, size_t block) {
  int32_t s1 = 0;
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &s1));
  ByteSpan s2;
  CRSYNC_RETURN_IF_ERROR(r.take(static_cast<size_t>(sig->head.s2length), &s2));
  sig->sum1[block] = static_cast<uint32_t>(s1);
  std::copy(s2.begin(), s2.end(),
            sig->sum2.begin() +
                static_cast<std::ptrdiff_t>(block * static_cast<size_t>(sig->head.s2length)));
  return Status::Ok();
}

}  // namespace crsync::delta
