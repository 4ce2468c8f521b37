#include "delta/matcher.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "checksum/rolling.h"
#include "wire/protocol_format.h"

namespace crsync::delta {
namespace {

constexpr int64_t kChunk = wire::kChunkSize;

class Emitter {
 public:
  Emitter(SourceWindow& src, const Signature& sig, checksum::FileSum& fs, TokenSink& sink,
          MatchStats& st, const std::function<void(int64_t)>& consumed)
      : src_(src), sig_(sig), fs_(fs), sink_(sink), st_(st), consumed_(consumed) {
    if (consumed_) consumed_(0);
  }

  // upstream matched(offset, i)
  void matched(int64_t offset, int32_t i) {
    const int64_t n = offset - last_match_;
    const int64_t blen = i >= 0 ? sig_.block_len(i) : 0;
    // The literal run and the matched block are adjacent: one span.
    const ByteSpan run =
        src_.get(static_cast<uint64_t>(last_match_), static_cast<size_t>(n + blen));
    sink_.token_with_match(run.first(static_cast<size_t>(n)), i,
                           run.subspan(static_cast<size_t>(n), static_cast<size_t>(blen)));
    fs_.update(run);
    st_.literal += n;
    st_.matched += blen;
    last_match_ = i >= 0 ? offset + blen : offset;
    src_.keep_from(static_cast<uint64_t>(last_match_));
    if (consumed_ && last_match_ >= next_report_) {
      consumed_(last_match_);
      next_report_ = last_match_ + kConsumedStep;
    }
  }
  int64_t last_match() const { return last_match_; }
  // --append: the receiver has the first `offset` bytes already.
  void skip_to(int64_t offset, bool sum_them) {
    if (sum_them) {
      // Through the window a piece at a time, not as one span of `offset`.
      for (int64_t at = 0; at < offset;) {
        const int64_t n = std::min<int64_t>(offset - at, int64_t{1} << 20);
        fs_.update(src_.get(static_cast<uint64_t>(at), static_cast<size_t>(n)));
        at += n;
        src_.keep_from(static_cast<uint64_t>(at));
      }
    }
    last_match_ = offset;
    src_.keep_from(static_cast<uint64_t>(offset));
    if (consumed_) consumed_(offset);
  }

 private:
  SourceWindow& src_;
  const Signature& sig_;
  checksum::FileSum& fs_;
  TokenSink& sink_;
  MatchStats& st_;
  const std::function<void(int64_t)>& consumed_;
  int64_t last_match_ = 0;
  int64_t next_report_ = kConsumedStep;
};

}  // namespace

MatchStats match_file(ByteSpan data, const Signature& sig, checksum::BlockSummer& summer,
                      checksum::FileSum& file_sum, TokenSink& sink, const MatchOptions& opts) {
  SourceWindow src(data);
  return match_file(src, sig, summer, file_sum, sink, opts);
}

MatchStats match_file(SourceWindow& src, const Signature& sig, checksum::BlockSummer& summer,
                      checksum::FileSum& file_sum, TokenSink& sink, const MatchOptions& opts) {
  MatchStats st;
  Emitter em(src, sig, file_sum, sink, st, opts.consumed);
  const auto len = static_cast<int64_t>(src.size());
  int32_t count = sig.head.count;
  if (opts.append_offset >= 0) {
    em.skip_to(std::min(opts.append_offset, len), opts.append_verify);
    count = 0;
  }
  if (count == 0 || len == 0) {
    for (int64_t j = em.last_match() + kChunk; j < len; j += kChunk) em.matched(j, -2);
    em.matched(len, -1);
    return st;
  }

  // Blocks by rolling sum: `first` maps a sum to the head of a singly linked
  // chain through `next`, each chain in descending block index (blocks are
  // pushed on the front in ascending order). The in-place search unlinks
  // blocks it can never use again.
  std::unordered_map<uint32_t, int32_t> first;
  first.reserve(static_cast<size_t>(count) * 2);
  std::vector<int32_t> next(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    auto [it, fresh] = first.try_emplace(sig.sum1[static_cast<size_t>(i)], i);
    next[static_cast<size_t>(i)] = fresh ? -1 : it->second;
    it->second = i;
  }

  // One bit per hash of each block's rolling sum: a window whose sum no
  // block has is rejected by a bit test instead of a hash-table probe (the
  // common case while rolling through changed data; upstream's tag table
  // serves the same purpose).
  int bits_log = 16;
  while (bits_log < 26 && (int64_t{1} << bits_log) < int64_t{count} * 16) ++bits_log;
  std::vector<uint64_t> maybe(size_t{1} << (bits_log - 6));
  const auto bit_of = [bits_log](uint32_t s1) {
    return static_cast<size_t>((uint64_t{s1} * 0x9E3779B97F4A7C15ULL) >> (64 - bits_log));
  };
  for (int32_t i = 0; i < count; ++i) {
    const size_t b = bit_of(sig.sum1[static_cast<size_t>(i)]);
    maybe[b >> 6] |= uint64_t{1} << (b & 63);
  }
  const auto may_have = [&](uint32_t s1) {
    const size_t b = bit_of(s1);
    return (maybe[b >> 6] >> (b & 63)) & 1;
  };

  const bool in_place = opts.updating_basis_file;
  // In-place only: blocks matched at their own offset (upstream's
  // SUMFLG_SAME_OFFSET). The receiver skips over those instead of writing,
  // so they keep their bytes and stay usable behind the current position.
  std::vector<uint8_t> same_offset(in_place ? static_cast<size_t>(count) : 0);
  const int32_t blength = sig.head.blength;
  const int32_t last_len = sig.head.remainder ? sig.head.remainder : blength;
  const int64_t end = len + 1 - last_len;
  const auto s2len = static_cast<size_t>(sig.head.s2length);
  const auto block_off = [&](int32_t i) { return static_cast<int64_t>(i) * blength; };
  const auto strong_is = [&](const uint8_t* sum2, int32_t i) {
    return std::memcmp(sum2, sig.strong(static_cast<size_t>(i)).data(), s2len) == 0;
  };
  // True when block i may be referenced from a match at `at`.
  const auto usable_at = [&](int32_t i, int64_t at) {
    return !in_place || block_off(i) >= at || same_offset[static_cast<size_t>(i)] != 0;
  };
  const auto w_at = [&](int64_t at) { return std::min<int64_t>(blength, len - at); };

  // In-place only: the preference for a block at its own offset, which the
  // receiver seeks over instead of writing. `i` is the block just found for
  // the window at `at` (length w_at(at), rolling sum `s1`, strong sum
  // `sum2`). If the window starts on a block boundary and the boundary's
  // block matches as well, that block is taken. If the window is not on a
  // boundary but has a zero rolling sum (a run of zero bytes, typically),
  // covers a whole block and the next boundary's block matches it, the match
  // moves forward to that boundary when the file's bytes there match the
  // block too; the bytes skipped become literal data. On success the block is
  // marked as kept at its own offset and becomes `want`, so the adjacency
  // preference leaves it alone. Like upstream, the re-check at the boundary
  // overwrites `s1` (and `sum2` once the rolling sums agree) even when it
  // then fails, and the caller's adjacency test sees the new values.
  const auto prefer_own_offset = [&](int32_t& i, int64_t& at, uint32_t& s1, uint8_t* sum2,
                                     int32_t& want) {
    const int64_t w = w_at(at);
    const int64_t aligned_i = (at + blength - 1) / blength;
    const int64_t aligned = aligned_i * blength;
    if (aligned_i >= count) return;
    if (at != aligned && !(s1 == 0 && w == blength && aligned + w <= len)) return;
    const auto a = static_cast<int32_t>(aligned_i);
    if (i != a) {
      if (sig.sum1[static_cast<size_t>(a)] != s1 || sig.block_len(a) != w || !strong_is(sum2, a))
        return;
      i = a;
    }
    if (at != aligned) {
      const ByteSpan there = src.get(static_cast<uint64_t>(aligned), static_cast<size_t>(w));
      s1 = checksum::RollingSum::compute(there);
      if (s1 != sig.sum1[static_cast<size_t>(i)]) return;
      summer.sum2(there, sum2);
      if (!strong_is(sum2, i)) return;
      at = aligned;
    }
    same_offset[static_cast<size_t>(i)] = 1;
    want = i;
  };

  int32_t want_i = 0;
  uint8_t sum2[64];

  int64_t o = 0;
  int64_t w = w_at(0);
  checksum::RollingSum roll(src.get(0, static_cast<size_t>(w)));
  do {
    bool have_sum2 = false;
    uint32_t s1 = roll.value();
    auto it = may_have(s1) ? first.find(s1) : first.end();
    int64_t next_o = o + 1;
    bool matched_here = false;
    if (it != first.end()) {
      int32_t* link = &it->second;
      for (int32_t c = *link; c >= 0; c = *link) {
        if (!usable_at(c, o)) {
          // Behind us and not kept at its own offset: overwritten or about to
          // be, and o only grows. Drop it from the chain for good.
          *link = next[static_cast<size_t>(c)];
          continue;
        }
        link = &next[static_cast<size_t>(c)];
        if (sig.block_len(c) != w) continue;
        if (!have_sum2) {
          summer.sum2(src.get(static_cast<uint64_t>(o), static_cast<size_t>(w)), sum2);
          have_sum2 = true;
        }
        if (!strong_is(sum2, c)) continue;
        int32_t i = c;
        int64_t at = o;
        if (in_place) prefer_own_offset(i, at, s1, sum2, want_i);
        // The block after the previous match wins when it matches too (no
        // length check, as upstream). s1 and sum2 may have been replaced
        // above.
        if (i != want_i && want_i < count && usable_at(want_i, at) &&
            sig.sum1[static_cast<size_t>(want_i)] == s1 && strong_is(sum2, want_i))
          i = want_i;
        want_i = i + 1;
        em.matched(at, i);
        next_o = at + sig.block_len(i);
        matched_here = true;
        break;
      }
    }
    if (!matched_here) {
      // Early flush of long literal runs, 32 KiB at a time.
      const int64_t backup = std::max<int64_t>(o - em.last_match(), 0);
      if (backup >= blength + kChunk && end - o > kChunk) em.matched(o - blength, -2);
    }
    // Advance the window to next_o.
    if (next_o >= end) break;
    if (matched_here) {
      o = next_o;
      w = w_at(o);
      roll.reset(src.get(static_cast<uint64_t>(o), static_cast<size_t>(w)));
    } else {
      const int64_t in = o + w;  // the byte entering the window, if any
      if (in < len) {
        const uint8_t leaving = src.at(static_cast<uint64_t>(o));
        roll.roll(leaving, src.at(static_cast<uint64_t>(in)));
      } else {
        roll.trim(src.at(static_cast<uint64_t>(o)));
        --w;
      }
      o = next_o;
    }
  } while (o < end);
  em.matched(len, -1);
  return st;
}

bool sender_updates_basis_file(int protocol, bool inplace, bool inplace_partial,
                               uint8_t fnamecmp_type, bool making_backups) {
  if (inplace_partial && fnamecmp_type == wire::kFnamecmpPartialDir) return true;
  if (!inplace) return false;
  return protocol >= 29 ? fnamecmp_type == wire::kFnamecmpFname : !making_backups;
}

}  // namespace crsync::delta
