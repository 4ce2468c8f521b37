// Delta-transfer throughput: signature generation, block matching (a near
// copy, and the adversarial case where every block has the same rolling sum)
// and the token streams, plain and with each -z codec, encoded and decoded.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "checksum/rolling.h"
#include "checksum/strong_sum.h"
#include "checksum/sum_sizes.h"
#include "delta/compressed_token.h"
#include "delta/matcher.h"
#include "delta/signature.h"
#include "delta/token_codec.h"

namespace crsync::delta {
namespace {

using checksum::ChecksumType;
using wire::CompressType;

Bytes random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// Text-like bytes (compressible): words from a small vocabulary.
Bytes text_bytes(size_t n, uint64_t seed) {
  static const char* kWords[] = {"the ",    "rsync ", "block ", "sum ",   "delta ", "file ",
                                 "list\n",  "of ",    "and ",   "match ", "data ",  "token ",
                                 "stream ", "to ",    "a ",     "\n"};
  std::mt19937_64 rng(seed);
  Bytes b;
  b.reserve(n + 16);
  while (b.size() < n) {
    const char* w = kWords[rng() % 16];
    for (const char* p = w; *p; ++p) b.push_back(static_cast<uint8_t>(*p));
  }
  b.resize(n);
  return b;
}

Signature sign(ByteSpan basis, ChecksumType t, int32_t blength = 0) {
  checksum::SumSizeParams p;
  p.block_size_opt = blength;
  p.xfer_sum_len = checksum::digest_len(t);
  const checksum::SumHead h = checksum::sum_sizes_sqroot(static_cast<int64_t>(basis.size()), p);
  checksum::BlockSummer s(t, 7, true);
  return make_signature(basis, h, s);
}

class CountingSink : public TokenSink {
 public:
  void token(ByteSpan literal, int32_t block) override {
    literal_bytes += literal.size();
    blocks += block >= 0 ? 1 : 0;
  }
  size_t literal_bytes = 0;
  size_t blocks = 0;
};

constexpr int kTypes[] = {
    static_cast<int>(ChecksumType::kMd4), static_cast<int>(ChecksumType::kMd5),
    static_cast<int>(ChecksumType::kXxh64), static_cast<int>(ChecksumType::kXxh3_64),
    static_cast<int>(ChecksumType::kXxh3_128)};

// The generator's work per basis file: every block's rolling and strong sum.
void BM_Signature(benchmark::State& state) {
  const auto type = static_cast<ChecksumType>(state.range(0));
  const Bytes basis = random_bytes(size_t{8} << 20, 1);
  for (auto _ : state) {
    const Signature sig = sign(ByteSpan(basis), type);
    benchmark::DoNotOptimize(sig.sum2.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(basis.size()));
  state.SetLabel(std::string(checksum::checksum_name(type)));
}
BENCHMARK(BM_Signature)
    ->Arg(kTypes[0])
    ->Arg(kTypes[1])
    ->Arg(kTypes[2])
    ->Arg(kTypes[3])
    ->Arg(kTypes[4]);

// The sender's work for a basis with scattered small edits: mostly matches,
// a strong sum per matched block and a roll per byte after each edit.
void BM_MatchNearCopy(benchmark::State& state) {
  const auto type = static_cast<ChecksumType>(state.range(0));
  const Bytes basis = random_bytes(size_t{8} << 20, 2);
  Bytes data = basis;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100; ++i) {
    const size_t at = rng() % (data.size() - 100);
    for (size_t j = 0; j < 100; ++j) data[at + j] = static_cast<uint8_t>(rng());
  }
  const Signature sig = sign(ByteSpan(basis), type);
  checksum::BlockSummer summer(type, 7, true);
  for (auto _ : state) {
    checksum::FileSum fsum(type, 7);
    CountingSink sink;
    const MatchStats st = match_file(ByteSpan(data), sig, summer, fsum, sink);
    benchmark::DoNotOptimize(st.matched);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(data.size()));
  state.SetLabel(std::string(checksum::checksum_name(type)));
}
BENCHMARK(BM_MatchNearCopy)->Arg(kTypes[1])->Arg(kTypes[4]);

// New data unrelated to the basis: one roll and one hash probe per byte.
void BM_MatchNoMatch(benchmark::State& state) {
  const Bytes basis = random_bytes(size_t{4} << 20, 4);
  const Bytes data = random_bytes(size_t{4} << 20, 5);
  const Signature sig = sign(ByteSpan(basis), ChecksumType::kMd5);
  checksum::BlockSummer summer(ChecksumType::kMd5, 7, true);
  for (auto _ : state) {
    checksum::FileSum fsum(ChecksumType::kMd5, 7);
    CountingSink sink;
    benchmark::DoNotOptimize(match_file(ByteSpan(data), sig, summer, fsum, sink).literal);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_MatchNoMatch);

// Adversarial: `blocks` basis blocks that all share one rolling sum but differ
// in content (adding the pattern +1,-1,-1,+1 at any offset keeps both the
// byte sum and the weighted sum), and a new file made of further variants.
// Every block-aligned window of the new file hits the weak sum of every basis
// block and fails every strong comparison.
Bytes equal_weak_block(size_t blength, uint32_t variant) {
  Bytes b(blength);
  for (size_t i = 0; i < blength; ++i) b[i] = static_cast<uint8_t>(40 + (i * 7) % 50);
  for (uint32_t bit = 0; bit < 32 && 8 * bit + 3 < blength; ++bit) {
    if (!(variant >> bit & 1)) continue;
    const size_t at = 8 * bit;
    b[at] += 1;
    b[at + 1] -= 1;
    b[at + 2] -= 1;
    b[at + 3] += 1;
  }
  return b;
}

void BM_MatchEqualWeakSums(benchmark::State& state) {
  const auto blocks = static_cast<uint32_t>(state.range(0));
  const size_t blength = 700;
  Bytes basis, data;
  for (uint32_t k = 0; k < blocks; ++k) {
    const Bytes b = equal_weak_block(blength, k);
    basis.insert(basis.end(), b.begin(), b.end());
  }
  for (uint32_t k = 0; k < 256; ++k) {
    const Bytes b = equal_weak_block(blength, (1u << 20) + k);
    data.insert(data.end(), b.begin(), b.end());
  }
  const Signature sig = sign(ByteSpan(basis), ChecksumType::kMd5, static_cast<int32_t>(blength));
  if (checksum::RollingSum::compute(ByteSpan(basis.data(), blength)) !=
      checksum::RollingSum::compute(ByteSpan(basis.data() + blength, blength))) {
    state.SkipWithError("the blocks' rolling sums differ");
    return;
  }
  checksum::BlockSummer summer(ChecksumType::kMd5, 7, true);
  for (auto _ : state) {
    checksum::FileSum fsum(ChecksumType::kMd5, 7);
    CountingSink sink;
    benchmark::DoNotOptimize(match_file(ByteSpan(data), sig, summer, fsum, sink).literal);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_MatchEqualWeakSums)->Arg(64)->Arg(1024)->Arg(8192);

// A token plan: 1 MiB of text as literal runs with block references between.
struct Call {
  ByteSpan literal;
  int32_t block;
};
struct Plan {
  Bytes text;
  Bytes basis;
  int32_t blength = 700;
  int32_t count = 0;
  std::vector<Call> calls;
  ByteSpan block(int32_t k) const {
    return ByteSpan(basis.data() + static_cast<size_t>(k) * static_cast<size_t>(blength),
                    static_cast<size_t>(blength));
  }
};

const Plan& token_plan() {
  static const Plan plan = [] {
    Plan p;
    p.text = text_bytes(size_t{1} << 20, 6);
    p.basis = text_bytes(size_t{700} * 256, 7);
    p.count = 256;
    std::mt19937_64 rng(8);
    size_t off = 0;
    while (off < p.text.size()) {
      const size_t n = std::min<size_t>(p.text.size() - off, 1000 + rng() % 31000);
      p.calls.push_back({ByteSpan(p.text.data() + off, n), static_cast<int32_t>(rng() % 256)});
      off += n;
      for (int run = static_cast<int>(rng() % 4); run > 0; --run)
        p.calls.push_back({ByteSpan(), static_cast<int32_t>(rng() % 256)});
    }
    p.calls.push_back({ByteSpan(), -1});
    return p;
  }();
  return plan;
}

constexpr int kPlain = -1;

Bytes encode_plan(const Plan& p, int codec) {
  ByteWriter out;
  if (codec == kPlain) {
    for (const Call& c : p.calls) {
      for (size_t o = 0; o < c.literal.size(); o += 32768)
        put_literal(out, c.literal.subspan(o, std::min<size_t>(32768, c.literal.size() - o)));
      if (c.block >= 0) put_block(out, c.block);
    }
    put_end(out);
    return out.take();
  }
  CompressedTokenWriter w(static_cast<CompressType>(codec), kCompressLevelNotSpecified, 32);
  for (const Call& c : p.calls) {
    const ByteSpan matched = c.block >= 0 ? p.block(c.block) : ByteSpan();
    if (!w.token(out, c.literal, c.block, matched).ok()) return {};
  }
  return out.take();
}

std::string codec_label(int codec) {
  return codec == kPlain ? "plain"
                         : std::string(wire::compress_name(static_cast<CompressType>(codec)));
}

void BM_TokenEncode(benchmark::State& state) {
  const int codec = static_cast<int>(state.range(0));
  const Plan& p = token_plan();
  size_t wire_bytes = 0;
  for (auto _ : state) {
    const Bytes b = encode_plan(p, codec);
    wire_bytes = b.size();
    benchmark::DoNotOptimize(b.data());
  }
  if (wire_bytes == 0) state.SkipWithError("encoding failed");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(p.text.size()));
  state.counters["wire_bytes"] = static_cast<double>(wire_bytes);
  state.SetLabel(codec_label(codec));
}

void BM_TokenDecode(benchmark::State& state) {
  const int codec = static_cast<int>(state.range(0));
  const Plan& p = token_plan();
  const Bytes stream = encode_plan(p, codec);
  size_t produced = 0;
  for (auto _ : state) {
    produced = 0;
    ByteReader r{ByteSpan(stream)};
    Token t;
    if (codec == kPlain) {
      while (get_token(r, p.count, &t).ok() && t.kind != Token::Kind::kEnd)
        produced += t.kind == Token::Kind::kLiteral ? t.literal.size() : 0;
    } else {
      CompressedTokenReader rd(static_cast<CompressType>(codec), 32);
      while (rd.get(r, p.count, &t).ok() && t.kind != Token::Kind::kEnd) {
        if (t.kind == Token::Kind::kLiteral) produced += t.literal.size();
        if (t.kind == Token::Kind::kBlock && !rd.see_block(p.block(t.block)).ok()) break;
      }
    }
    benchmark::DoNotOptimize(produced);
  }
  if (produced != p.text.size()) state.SkipWithError("decoded literal size differs");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(p.text.size()));
  state.SetLabel(codec_label(codec));
}

#define CODEC_ARGS                                  \
  Arg(kPlain)                                       \
      ->Arg(static_cast<int>(CompressType::kZlib))  \
      ->Arg(static_cast<int>(CompressType::kZlibx)) \
      ->Arg(static_cast<int>(CompressType::kZstd))  \
      ->Arg(static_cast<int>(CompressType::kLz4))
BENCHMARK(BM_TokenEncode)->CODEC_ARGS;
BENCHMARK(BM_TokenDecode)->CODEC_ARGS;
#undef CODEC_ARGS

}  // namespace
}  // namespace crsync::delta
