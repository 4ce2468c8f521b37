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
  Emitter(ByteSpan data, const Signature& sig, checksum::FileSum& fs, TokenSink& sink,
          MatchStats& st)
      : data_(data), sig_(sig), fs_(fs), sink_(sink), st_(st) {}

  // upstream matched(offset, i)
  void matched(int64_t offset, int32_t i) {
    const int64_t n = offset - last_match_;
    const int64_t blen = i >= 0 ? sig_.block_len(i) : 0;
    sink_.token_with_match(data_.subspan(static_cast<size_t>(last_match_), static_cast<size_t>(n)),
                           i,
                           data_.subspan(static_cast<size_t>(offset), static_cast<size_t>(blen)));
    fs_.update(data_.subspan(static_cast<size_t>(last_match_), static_cast<size_t>(n + blen)));
    st_.literal += n;
    st_.matched += blen;
    last_match_ = i >= 0 ? offset + blen : offset;
  }
  int64_t last_match() const { return last_match_; }

 private:
  ByteSpan data_;
  const Signature& sig_;
  checksum::FileSum& fs_;
  TokenSink& sink_;
  MatchStats& st_;
  int64_t last_match_ = 0;
};

}  // namespace

MatchStats match_file(ByteSpan data, const Signature& sig, checksum::BlockSummer& summer,
                      checksum::FileSum& file_sum, TokenSink& sink) {
  MatchStats st;
  Emitter em(data, sig, file_sum, sink, st);
  const auto len = static_cast<int64_t>(data.size());
  const int32_t count = sig.head.count;
  if (count == 0 || len == 0) {
    for (int64_t j = kChunk; j < len; j += kChunk) em.matched(j, -2);
    em.matched(len, -1);
    return st;
  }

  // Blocks by rolling sum; each chain in descending block index.
  std::unordered_map<uint32_t, std::vector<int32_t>> table;
  table.reserve(static_cast<size_t>(count) * 2);
  for (int32_t i = count - 1; i >= 0; --i) table[sig.sum1[static_cast<size_t>(i)]].push_back(i);

  const int32_t blength = sig.head.blength;
  const int32_t last_len = sig.head.remainder ? sig.head.remainder : blength;
  const int64_t end = len + 1 - last_len;
  const auto s2len = static_cast<size_t>(sig.head.s2length);
  int32_t want_i = 0;
  uint8_t sum2[64];

  int64_t o = 0;
  int64_t w = std::min<int64_t>(blength, len);
  checksum::RollingSum roll(data.subspan(0, static_cast<size_t>(w)));
  do {
    bool have_sum2 = false;
    const uint32_t s1 = roll.value();
    auto it = table.find(s1);
    int64_t next_o = o + 1;
    bool matched_here = false;
    if (it != table.end()) {
      for (int32_t c : it->second) {
        if (sig.block_len(c) != w) continue;
        if (!have_sum2) {
          summer.sum2(data.subspan(static_cast<size_t>(o), static_cast<size_t>(w)), sum2);
          have_sum2 = true;
        }
        if (std::memcmp(sum2, sig.strong(static_cast<size_t>(c)).data(), s2len) != 0) continue;
        int32_t i = c;
        if (i != want_i && want_i < count && sig.sum1[static_cast<size_t>(want_i)] == s1 &&
            std::memcmp(sig.strong(static_cast<size_t>(want_i)).data(), sum2, s2len) == 0)
          i = want_i;
        want_i = i + 1;
        em.matched(o, i);
        next_o = o + sig.block_len(i);
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
      w = std::min<int64_t>(blength, len - o);
      roll.reset(data.subspan(static_cast<size_t>(o), static_cast<size_t>(w)));
    } else {
      const int64_t in = o + w;  // the byte entering the window, if any
      if (in < len) {
        roll.roll(data[static_cast<size_t>(o)], data[static_cast<size_t>(in)]);
      } else {
        roll.trim(data[static_cast<size_t>(o)]);
        --w;
      }
      o = next_o;
    }
  } while (o < end);
  em.matched(len, -1);
  return st;
}

}  // namespace crsync::delta
