// Shared by the matcher's tests: a sink that rebuilds the new file, the
// signature of a basis, and RapidCheck's random basis with a few edits.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "checksum/strong_sum.h"
#include "checksum/sum_sizes.h"
#include "delta/matcher.h"
#include "delta/signature.h"

namespace crsync::delta::testing {

using checksum::ChecksumType;

// Collects tokens and rebuilds the new file from them and the basis.
class Rebuild : public TokenSink {
 public:
  Rebuild(ByteSpan basis, const Signature& sig) : basis_(basis), sig_(sig) {}
  void token(ByteSpan literal, int32_t block) override {
    out.insert(out.end(), literal.begin(), literal.end());
    literal_runs += literal.empty() ? 0 : 1;
    max_literal = std::max(max_literal, literal.size());
    if (block >= 0) {
      const size_t off = static_cast<size_t>(block) * static_cast<size_t>(sig_.head.blength);
      const ByteSpan b = basis_.subspan(off, static_cast<size_t>(sig_.block_len(block)));
      out.insert(out.end(), b.begin(), b.end());
      blocks.push_back(block);
    } else if (block == -1) {
      ++ends;
    }
  }
  Bytes out;
  std::vector<int32_t> blocks;
  size_t literal_runs = 0;
  size_t max_literal = 0;
  int ends = 0;

 private:
  ByteSpan basis_;
  const Signature& sig_;
};

// With `full_sums` the block sums carry whole strong sums (as in the redo
// pass) instead of the usual 2 or so bytes, so that random tests do not trip
// over strong-sum collisions: with short sums a false match is expected now
// and then (upstream relies on the whole-file checksum and a redo for that).
inline Signature sign(ByteSpan basis, int32_t blength, ChecksumType t, bool full_sums = false) {
  checksum::SumSizeParams p;
  p.block_size_opt = blength;
  p.redo_pass = full_sums;
  p.xfer_sum_len = checksum::digest_len(t);
  const checksum::SumHead h = checksum::sum_sizes_sqroot(static_cast<int64_t>(basis.size()), p);
  checksum::BlockSummer s(t, 7, true);
  return make_signature(basis, h, s);
}

// A random basis of bytes from a small alphabet (so blocks repeat) and the
// same basis after up to five insertions and deletions.
inline std::pair<Bytes, Bytes> edited_basis() {
  auto basis = *rc::gen::container<std::vector<uint8_t>>(*rc::gen::inRange<size_t>(0, 6000),
                                                         rc::gen::inRange<uint8_t>(0, 8));
  std::vector<uint8_t> data = basis;
  const int edits = *rc::gen::inRange(0, 6);
  for (int i = 0; i < edits; ++i) {
    const size_t pos = data.empty() ? 0 : *rc::gen::inRange<size_t>(0, data.size());
    const auto ins = *rc::gen::container<std::vector<uint8_t>>(*rc::gen::inRange<size_t>(0, 300),
                                                               rc::gen::arbitrary<uint8_t>());
    const size_t del = std::min<size_t>(*rc::gen::inRange<size_t>(0, 200), data.size() - pos);
    data.erase(data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + del));
    data.insert(data.begin() + static_cast<std::ptrdiff_t>(pos), ins.begin(), ins.end());
  }
  return {std::move(basis), std::move(data)};
}

}  // namespace crsync::delta::testing
