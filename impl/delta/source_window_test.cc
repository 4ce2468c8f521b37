// SourceWindow (the sender's pread window) and the signature read through a
// PieceReader: both must give exactly what the in-memory paths give.
#include "delta/source_window.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <atomic>
#include <cstring>
#include <random>

#include "checksum/rolling.h"
#include "delta/matcher.h"
#include "delta/matcher_test_util.h"
#include "delta/signature.h"

namespace crsync::delta {
namespace {

using checksum::ChecksumType;
using testing::edited_basis;
using testing::Rebuild;
using testing::sign;

// The signature read piece by piece (as the generator reads a basis with
// pread, two threads each into its own buffer) and the one over the whole
// file in memory both equal every block summed on its own, on both sides of
// the two-thread threshold and for an odd block count; every read asked for
// lies within the file and starts on a block boundary.
TEST(MatcherTest, SignatureThroughAReaderMatchesTheInMemoryOne) {
  for (const size_t size : {size_t{5000}, kSignatureTwoThreads - 1, kSignatureTwoThreads + 12345,
                            2 * kSignatureTwoThreads + 1}) {
    Bytes basis(size);
    std::mt19937 rng(11);
    for (auto& b : basis) b = static_cast<uint8_t>(rng());
    checksum::SumSizeParams p;
    p.xfer_sum_len = checksum::digest_len(ChecksumType::kXxh3_128);
    const checksum::SumHead h = checksum::sum_sizes_sqroot(static_cast<int64_t>(size), p);
    // Each block on its own, in order, on this thread.
    std::vector<uint32_t> sum1;
    Bytes sum2;
    checksum::BlockSummer s0(ChecksumType::kXxh3_128, 7, true);
    for (int32_t i = 0; i < h.count; ++i) {
      const size_t off = static_cast<size_t>(i) * static_cast<size_t>(h.blength);
      const size_t len =
          static_cast<size_t>((i == h.count - 1 && h.remainder) ? h.remainder : h.blength);
      const ByteSpan block(basis.data() + off, len);
      sum1.push_back(checksum::RollingSum::compute(block));
      uint8_t full[64];
      s0.sum2(block, full);
      sum2.insert(sum2.end(), full, full + h.s2length);
    }
    checksum::BlockSummer s1(ChecksumType::kXxh3_128, 7, true);
    const Signature in_memory = make_signature(ByteSpan(basis), h, s1);
    EXPECT_EQ(in_memory.sum1, sum1) << size;
    EXPECT_EQ(in_memory.sum2, sum2) << size;
    std::atomic<size_t> bytes_read{0};
    std::atomic<bool> bad{false};
    const PieceReader reader = [&](uint64_t off, size_t len, Bytes& scratch) {
      if (off + len > size || off % static_cast<uint64_t>(h.blength) != 0) bad = true;
      scratch.assign(basis.begin() + static_cast<std::ptrdiff_t>(off),
                     basis.begin() + static_cast<std::ptrdiff_t>(off + len));
      bytes_read += len;
      return ByteSpan(scratch.data(), len);
    };
    checksum::BlockSummer s2(ChecksumType::kXxh3_128, 7, true);
    const Signature got = make_signature(size, reader, h, s2);
    EXPECT_FALSE(bad);
    EXPECT_EQ(bytes_read.load(), size);
    EXPECT_EQ(got.sum1, sum1) << size;
    EXPECT_EQ(got.sum2, sum2) << size;
  }
}

// ---- The file read through a window (SourceWindow with a reader) ----------

// Records the token stream as it comes, literal bytes included.
class StreamRecorder : public TokenSink {
 public:
  void token(ByteSpan literal, int32_t block) override {
    tokens.emplace_back(Bytes(literal.begin(), literal.end()), block);
  }
  void token_with_match(ByteSpan literal, int32_t block, ByteSpan matched) override {
    token(literal, block);
    matched_bytes.insert(matched_bytes.end(), matched.begin(), matched.end());
  }
  std::vector<std::pair<Bytes, int32_t>> tokens;
  Bytes matched_bytes;
};

// Reading the new file on demand through a small window (refilled many
// times, kept from the pending literal run on) gives exactly the tokens,
// matched bytes, statistics and whole-file sum of matching it in memory:
// normal and in-place search, and --append with and without verification.
RC_GTEST_PROP(MatcherProp, AWindowedReadMatchesTheInMemoryFile, ()) {
  const auto [basis, data] = edited_basis();
  const int32_t blength = *rc::gen::element(8, 64, 700);
  const size_t window = *rc::gen::element<size_t>(1, 5, 100, 1000, 40000);
  MatchOptions mo;
  mo.updating_basis_file = *rc::gen::arbitrary<bool>();
  if (*rc::gen::inRange(0, 4) == 0) {
    mo.append_offset = *rc::gen::inRange<int64_t>(0, static_cast<int64_t>(data.size()) + 10);
    mo.append_verify = *rc::gen::arbitrary<bool>();
  }
  const auto type = ChecksumType::kMd5;
  const Signature sig = sign(ByteSpan(basis), blength, type, true);

  const auto run = [&](SourceWindow& src, StreamRecorder& rec, uint8_t* sum, MatchStats* st) {
    checksum::BlockSummer s(type, 7, true);
    checksum::FileSum fs(type, 7);
    *st = match_file(src, sig, s, fs, rec, mo);
    return fs.finish(sum);
  };
  SourceWindow whole{ByteSpan(data)};
  StreamRecorder want;
  uint8_t want_sum[64];
  MatchStats want_st;
  const int n = run(whole, want, want_sum, &want_st);

  bool out_of_file = false;
  SourceWindow windowed(
      data.size(),
      [&](uint64_t off, uint8_t* out, size_t len) {
        if (off + len > data.size()) out_of_file = true;
        std::memcpy(out, data.data() + off, std::min<size_t>(len, data.size() - off));
      },
      window);
  StreamRecorder got;
  uint8_t got_sum[64];
  MatchStats got_st;
  RC_ASSERT(run(windowed, got, got_sum, &got_st) == n);
  RC_ASSERT(!out_of_file);
  RC_ASSERT(got.tokens == want.tokens);
  RC_ASSERT(got.matched_bytes == want.matched_bytes);
  RC_ASSERT(got_st.literal == want_st.literal && got_st.matched == want_st.matched);
  RC_ASSERT(std::memcmp(got_sum, want_sum, static_cast<size_t>(n)) == 0);
}

// The window keeps only what the matcher may still ask for: a 4 MiB file
// matched through a 64 KiB window reads each byte about once and never holds
// more than the window plus a pending literal run.
TEST(MatcherTest, AWindowedReadReadsTheFileAboutOnce) {
  Bytes basis(size_t{4} << 20);
  std::mt19937 rng(5);
  for (auto& b : basis) b = static_cast<uint8_t>(rng());
  Bytes data = basis;
  for (size_t at = 1000; at + 100 < data.size(); at += 300000)
    for (size_t i = 0; i < 100; ++i) data[at + i] ^= 0x5a;
  const Signature sig = sign(ByteSpan(basis), 0, ChecksumType::kMd5);
  SourceWindow src(
      data.size(),
      [&](uint64_t off, uint8_t* out, size_t len) { std::memcpy(out, data.data() + off, len); },
      64 << 10);
  checksum::BlockSummer s(ChecksumType::kMd5, 7, true);
  checksum::FileSum fs(ChecksumType::kMd5, 7);
  Rebuild r(ByteSpan(basis), sig);
  match_file(src, sig, s, fs, r);
  EXPECT_EQ(r.out, data);
  EXPECT_GE(src.bytes_read(), data.size());
  EXPECT_LT(src.bytes_read(), data.size() + data.size() / 8);
}
}  // namespace
}  // namespace crsync::delta
