// A basis file's signature: the sum head and, per block, the rolling sum and
// the first s2length bytes of the seeded strong sum (upstream generator.c
// generate_and_send_sums, io.c read_sum_head, sender.c receive_sums).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "checksum/strong_sum.h"
#include "checksum/sum_sizes.h"

namespace crsync::delta {

struct Signature {
  checksum::SumHead head;
  std::vector<uint32_t> sum1;  // count entries
  Bytes sum2;                  // count * s2length bytes

  ByteSpan strong(size_t block) const {
    const auto n = static_cast<size_t>(head.s2length);
    return ByteSpan(sum2.data() + block * n, n);
  }
  // Length of block `i` (the last one may be the remainder).
  int32_t block_len(int32_t i) const {
    return (i == head.count - 1 && head.remainder) ? head.remainder : head.blength;
  }
};

// Computes the signature of `data` with the given head (from
// sum_sizes_sqroot) and strong-sum rules. Works through `data` in pieces of
// kSignaturePiece bytes; a large file's blocks are summed by two threads,
// each taking half.
Signature make_signature(ByteSpan data, const checksum::SumHead& head, checksum::BlockSummer& s);

// Hands make_signature the `len` bytes at `off` of a basis of the size it was
// given, read into `scratch` or found elsewhere; bytes past a shortened
// file's end read as zeros. Called from two threads at once, each with its
// own scratch buffer.
using PieceReader = std::function<ByteSpan(uint64_t off, size_t len, Bytes& scratch)>;
// The same signature, with the basis read piece by piece through `read`
// (the session passes positioned reads; delta/ does no I/O of its own).
Signature make_signature(size_t size, const PieceReader& read, const checksum::SumHead& head,
                         checksum::BlockSummer& s);
inline constexpr size_t kSignaturePiece = size_t{1} << 20;
// Files at least this large are summed by two threads.
inline constexpr size_t kSignatureTwoThreads = size_t{8} << 20;

// The head alone, as the generator writes it (s2length only from 27).
void put_sum_head(ByteWriter& w, const checksum::SumHead& h, int protocol);
// Head then every block's sums.
void put_signature(ByteWriter& w, const Signature& sig, int protocol);

// Reads a head (validated as upstream does, plus a bound on the memory the
// sums would take). Needs the whole head; need-more leaves `r` wherever.
Status get_sum_head(ByteReader& r, int protocol, int xfer_sum_len, checksum::SumHead* h);
// Reads one block's sums into `sig` (sig->head must be set).
Status get_block_sums(ByteReader& r, Signature* sig, size_t block);

// Upper bound on the sum bytes a peer may make us hold (upstream's
// --max-alloc default is 1 GiB).
inline constexpr uint64_t kMaxSignatureBytes = uint64_t{1} << 30;

}  // namespace crsync::delta
