#include "delta/matcher.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "delta/token_codec.h"

namespace crsync::delta {
namespace {

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

Signature sign(ByteSpan basis, int32_t blength, ChecksumType t) {
  checksum::SumSizeParams p;
  p.block_size_opt = blength;
  const checksum::SumHead h = checksum::sum_sizes_sqroot(static_cast<int64_t>(basis.size()), p);
  checksum::BlockSummer s(t, 7, true);
  return make_signature(basis, h, s);
}

TEST(MatcherTest, IdenticalFileIsAllBlocksInOrder) {
  Bytes basis(5000);
  for (size_t i = 0; i < basis.size(); ++i) basis[i] = static_cast<uint8_t>(i * 7 + i / 13);
  const Signature sig = sign(ByteSpan(basis), 700, ChecksumType::kMd5);
  checksum::BlockSummer s(ChecksumType::kMd5, 7, true);
  checksum::FileSum fs(ChecksumType::kMd5, 7);
  Rebuild r(ByteSpan(basis), sig);
  const MatchStats st = match_file(ByteSpan(basis), sig, s, fs, r);
  EXPECT_EQ(r.out, basis);
  EXPECT_EQ(r.blocks, (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(st.literal, 0);
  EXPECT_EQ(st.matched, 5000);
  EXPECT_EQ(r.ends, 1);
}

TEST(MatcherTest, WholeFileIsSentIn32KiBPieces) {
  Bytes data(100000, 0x41);
  Signature empty;
  checksum::BlockSummer s(ChecksumType::kMd5, 0, true);
  checksum::FileSum fs(ChecksumType::kMd5, 0);
  Rebuild r(ByteSpan(), empty);
  match_file(ByteSpan(data), empty, s, fs, r);
  EXPECT_EQ(r.out, data);
  EXPECT_EQ(r.literal_runs, 4u);  // 32768 * 3 + 1696
  EXPECT_EQ(r.max_literal, 32768u);
  uint8_t got[16];
  fs.finish(got);
  const checksum::DigestBuf want = checksum::Hasher::hash(ChecksumType::kMd5, ByteSpan(data));
  EXPECT_EQ(0, std::memcmp(got, want.data(), 16));
}

TEST(MatcherTest, PrefersTheBlockAfterThePreviousMatch) {
  // A basis of two equal blocks and a file of three such blocks: candidates
  // are tried from the highest index down, but the block after the previous
  // match (want_i, starting at 0) is preferred when it also matches.
  Bytes basis(1400, 0x55);
  const Signature sig = sign(ByteSpan(basis), 700, ChecksumType::kMd5);
  Bytes data(2100, 0x55);
  checksum::BlockSummer s(ChecksumType::kMd5, 7, true);
  checksum::FileSum fs(ChecksumType::kMd5, 7);
  Rebuild r(ByteSpan(basis), sig);
  match_file(ByteSpan(data), sig, s, fs, r);
  EXPECT_EQ(r.out, data);
  // want_i = 0 matches first (preferred over the chain head, block 1), then
  // 1, then want_i = 2 is out of range so the chain head (1) is taken.
  EXPECT_EQ(r.blocks, (std::vector<int32_t>{0, 1, 1}));
}

// A sink that looks at the matched bytes the matcher hands over.
class MatchedBytes : public TokenSink {
 public:
  void token(ByteSpan, int32_t) override { ++plain_calls; }
  void token_with_match(ByteSpan literal, int32_t block, ByteSpan matched) override {
    out.insert(out.end(), literal.begin(), literal.end());
    out.insert(out.end(), matched.begin(), matched.end());
    if (block >= 0) {
      sizes.push_back(matched.size());
    } else {
      EXPECT_TRUE(matched.empty());
    }
  }
  Bytes out;
  std::vector<size_t> sizes;
  int plain_calls = 0;
};

TEST(MatcherTest, HandsTheSinkEachMatchedBlocksOwnBytes) {
  Bytes basis(2500);
  for (size_t i = 0; i < basis.size(); ++i) basis[i] = static_cast<uint8_t>(i * 31 + i / 7);
  const Signature sig = sign(ByteSpan(basis), 1000, ChecksumType::kMd5);
  // The file: a prefix, the basis's block 1, new bytes, the short last block.
  Bytes data = {1, 2, 3};
  data.insert(data.end(), basis.begin() + 1000, basis.begin() + 2000);
  data.insert(data.end(), 50, 0xEE);
  data.insert(data.end(), basis.begin() + 2000, basis.end());
  checksum::BlockSummer s(ChecksumType::kMd5, 7, true);
  checksum::FileSum fs(ChecksumType::kMd5, 7);
  MatchedBytes m;
  match_file(ByteSpan(data), sig, s, fs, m);
  EXPECT_EQ(m.out, data);
  EXPECT_EQ(m.sizes, (std::vector<size_t>{1000, 500}));
  EXPECT_EQ(m.plain_calls, 0);
  // A sink with only token() still gets every call through the default.
  Rebuild r(ByteSpan(basis), sig);
  checksum::FileSum fs2(ChecksumType::kMd5, 7);
  match_file(ByteSpan(data), sig, s, fs2, r);
  EXPECT_EQ(r.out, data);
  EXPECT_EQ(r.blocks, (std::vector<int32_t>{1, 2}));
}

RC_GTEST_PROP(MatcherProp, RebuildsAnyEditOfTheBasis, ()) {
  const auto basis = *rc::gen::container<std::vector<uint8_t>>(*rc::gen::inRange<size_t>(0, 6000),
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
  const int32_t blength = *rc::gen::element(8, 64, 700);
  const auto type = *rc::gen::element(ChecksumType::kMd4, ChecksumType::kMd5, ChecksumType::kXxh64,
                                      ChecksumType::kXxh3_128);
  const Signature sig = sign(ByteSpan(basis), blength, type);
  checksum::BlockSummer s(type, 7, true);
  checksum::FileSum fs(type, 7);
  Rebuild r(ByteSpan(basis), sig);
  match_file(ByteSpan(data), sig, s, fs, r);
  RC_ASSERT(r.out == data);
  RC_ASSERT(r.ends == 1);
  uint8_t got[64];
  const int n = fs.finish(got);
  const checksum::DigestBuf want = checksum::Hasher::hash(type, ByteSpan(data));
  RC_ASSERT(std::memcmp(got, want.data(), static_cast<size_t>(n)) == 0);
}

TEST(TokenCodecTest, PlainTokensRoundTripAndBound) {
  ByteWriter w;
  const Bytes lit(40000, 9);
  put_literal(w, ByteSpan(lit));
  put_block(w, 3);
  put_end(w);
  ByteReader r{ByteSpan(w.bytes())};
  Token t;
  ASSERT_TRUE(get_token(r, 4, &t).ok());
  EXPECT_EQ(t.literal.size(), 32768u);
  ASSERT_TRUE(get_token(r, 4, &t).ok());
  EXPECT_EQ(t.literal.size(), 40000u - 32768u);
  ASSERT_TRUE(get_token(r, 4, &t).ok());
  EXPECT_EQ(t.block, 3);
  ASSERT_TRUE(get_token(r, 4, &t).ok());
  EXPECT_EQ(t.kind, Token::Kind::kEnd);
  // A block beyond the signature, and an over-long literal, are refused.
  ByteWriter bad;
  put_block(bad, 4);
  ByteReader rb{ByteSpan(bad.bytes())};
  EXPECT_EQ(get_token(rb, 4, &t).exit_status(), 2);
  ByteWriter big;
  big.le32(40000);
  ByteReader rg{ByteSpan(big.bytes())};
  EXPECT_EQ(get_token(rg, 4, &t).exit_status(), 2);
}

}  // namespace
}  // namespace crsync::delta
