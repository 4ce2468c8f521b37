#include "delta/compressed_token.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace crsync::delta {
namespace {

using wire::CompressType;

// One send_token call.
struct Call {
  Bytes literal;
  int32_t block = -1;
};

// A file as the sender sends it: its calls, against a basis cut in blength
// blocks (the matched bytes of block k are the basis's block k).
struct Plan {
  Bytes basis;
  int32_t blength = 700;
  std::vector<Call> calls;

  int32_t count() const {
    return static_cast<int32_t>((basis.size() + static_cast<size_t>(blength) - 1) /
                                static_cast<size_t>(blength));
  }
  ByteSpan block(int32_t k) const {
    const size_t off = static_cast<size_t>(k) * static_cast<size_t>(blength);
    return ByteSpan(basis).subspan(
        off, std::min<size_t>(static_cast<size_t>(blength), basis.size() - off));
  }
  Bytes content() const {
    Bytes out;
    for (const Call& c : calls) {
      out.insert(out.end(), c.literal.begin(), c.literal.end());
      if (c.block >= 0) {
        const ByteSpan b = block(c.block);
        out.insert(out.end(), b.begin(), b.end());
      }
    }
    return out;
  }
};

Bytes random_bytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

Bytes text_bytes(std::mt19937& rng, size_t n) {
  static const char* kWords[] = {"alpha ", "beta ",   "gamma ", "delta\n", "rsync ",
                                 "token ", "stream ", "zlib ",  "block ",  "literal "};
  Bytes b;
  while (b.size() < n) {
    const char* w = kWords[rng() % 10];
    b.insert(b.end(), w, w + std::strlen(w));
  }
  b.resize(n);
  return b;
}

// Calls as the matcher makes them for a whole-file literal: -2 every 32 KiB.
std::vector<Call> whole_file_calls(const Bytes& data) {
  std::vector<Call> calls;
  size_t off = 0;
  while (data.size() - off > 32768) {
    calls.push_back({Bytes(data.begin() + static_cast<std::ptrdiff_t>(off),
                           data.begin() + static_cast<std::ptrdiff_t>(off + 32768)),
                     -2});
    off += 32768;
  }
  calls.push_back({Bytes(data.begin() + static_cast<std::ptrdiff_t>(off), data.end()), -1});
  return calls;
}

Bytes encode(CompressedTokenWriter& w, const Plan& p) {
  ByteWriter out;
  for (const Call& c : p.calls) {
    const ByteSpan matched = c.block >= 0 ? p.block(c.block) : ByteSpan();
    const Status s = w.token(out, ByteSpan(c.literal), c.block, matched);
    EXPECT_TRUE(s.ok()) << s.to_string();
  }
  return out.take();
}

// Decodes one file the way a receiver does (see_block on every block), from
// the data `avail` bytes of `stream` after `*pos`. With `trickle` the bytes
// arrive one at a time, as a driver retrying on need-more would give them.
Status decode_file(CompressedTokenReader& rd, ByteSpan stream, size_t* pos, const Plan& p,
                   bool trickle, Bytes* out, bool see = true, int* empty_literals = nullptr) {
  size_t avail = trickle ? *pos : stream.size();
  for (;;) {
    ByteReader r{stream.subspan(*pos, avail - *pos)};
    Token t;
    Status s = rd.get(r, p.count(), &t);
    if (s.need_more()) {
      EXPECT_EQ(r.pos(), 0u) << "need-more must not consume";
      if (avail == stream.size()) return s;
      ++avail;
      continue;
    }
    CRSYNC_RETURN_IF_ERROR(s);
    *pos += r.pos();
    switch (t.kind) {
      case Token::Kind::kEnd: return Status::Ok();
      case Token::Kind::kLiteral:
        if (t.literal.empty() && empty_literals) ++*empty_literals;
        out->insert(out->end(), t.literal.begin(), t.literal.end());
        break;
      case Token::Kind::kBlock: {
        const ByteSpan b = p.block(t.block);
        out->insert(out->end(), b.begin(), b.end());
        if (see) CRSYNC_RETURN_IF_ERROR(rd.see_block(b));
        break;
      }
    }
  }
}

std::string hex(ByteSpan b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += kDigits[x >> 4];
    s += kDigits[x & 15];
  }
  return s;
}

std::vector<Plan> session_plans() {
  std::mt19937 rng(1234);
  std::vector<Plan> plans;
  // 1. A 100 KB text file sent whole, in 32 KiB pieces.
  {
    Plan p;
    p.basis.clear();
    p.calls = whole_file_calls(text_bytes(rng, 100000));
    plans.push_back(std::move(p));
  }
  // 2. Literals and blocks mixed: a run, single blocks near and far, a run
  //    after a far jump, a literal-only flush, and a last block that is the
  //    short remainder.
  {
    Plan p;
    p.basis = text_bytes(rng, 700 * 120 + 123);
    p.calls = {{text_bytes(rng, 500), 0},
               {{}, 1},
               {{}, 2},
               {text_bytes(rng, 10), 5},
               {{}, 70},
               {{}, 71},
               {{}, 72},
               {{}, 4},
               {text_bytes(rng, 40000), -2},
               {text_bytes(rng, 3), 9},
               {{}, 9},
               {random_bytes(rng, 1000), 120},
               {{}, 119},
               {{}, 120},
               {text_bytes(rng, 77), -1}};
    plans.push_back(std::move(p));
  }
  // 3. An empty file.
  {
    Plan p;
    p.calls = {{{}, -1}};
    plans.push_back(std::move(p));
  }
  // 4. Big incompressible literals (lz4 halves its input for these).
  {
    Plan p;
    p.basis = random_bytes(rng, 3000);
    p.blength = 1000;
    p.calls = {{random_bytes(rng, 100000), 1},
               {random_bytes(rng, 20000), -2},
               {random_bytes(rng, 16383), 2},
               {random_bytes(rng, 1), 0},
               {{}, 1},
               {{}, -1}};
    plans.push_back(std::move(p));
  }
  // 5. Only blocks: the whole basis in order, then the end.
  {
    Plan p;
    p.basis = random_bytes(rng, size_t{64} * 200);
    p.blength = 64;
    for (int32_t k = 0; k < 200; ++k) p.calls.push_back({{}, k});
    p.calls.push_back({{}, -1});
    plans.push_back(std::move(p));
  }
  // 6. File 2 again: zstd's context spans files; zlib's history restarts.
  plans.push_back(plans[1]);
  // 7. 120 KB of half-compressible bytes: zstd's one block spans several
  //    packets, and the first ones decode to nothing yet.
  {
    Plan p;
    Bytes data(120000);
    for (auto& x : data) x = static_cast<uint8_t>(rng() % 16);
    p.calls = whole_file_calls(data);
    plans.push_back(std::move(p));
  }
  return plans;
}

struct CodecCase {
  CompressType type;
  int protocol;
};

class CompressedRoundTrip : public ::testing::TestWithParam<CodecCase> {};

TEST_P(CompressedRoundTrip, SessionOfFilesRoundTrips) {
  const CodecCase c = GetParam();
  const std::vector<Plan> plans = session_plans();
  CompressedTokenWriter w(c.type, kCompressLevelNotSpecified, c.protocol);
  std::vector<Bytes> streams;
  Bytes all;
  for (const Plan& p : plans) {
    streams.push_back(encode(w, p));
    all.insert(all.end(), streams.back().begin(), streams.back().end());
  }
  EXPECT_EQ(streams[2], Bytes{0x00}) << "an empty file is END_FLAG alone";

  for (bool trickle : {false, true}) {
    CompressedTokenReader rd(c.type, c.protocol);
    size_t pos = 0;
    int empty_literals = 0;
    for (size_t i = 0; i < plans.size(); ++i) {
      Bytes got;
      const size_t start = pos;
      const Status s =
          decode_file(rd, ByteSpan(all), &pos, plans[i], trickle, &got, true, &empty_literals);
      ASSERT_TRUE(s.ok()) << "file " << i << ": " << s.to_string();
      EXPECT_EQ(pos - start, streams[i].size()) << "file " << i;
      EXPECT_EQ(got, plans[i].content()) << "file " << i << (trickle ? " (trickled)" : "");
    }
    EXPECT_EQ(pos, all.size());
    // Whole input at hand: a packet without output is followed at once.
    // Trickled, zstd must hand back consumed packets that gave nothing yet.
    if (!trickle) {
      EXPECT_EQ(empty_literals, 0);
    } else if (c.type == CompressType::kZstd) {
      EXPECT_GT(empty_literals, 0);
    }
  }
}

TEST_P(CompressedRoundTrip, TruncationIsNeedMoreAndCorruptionIsAnError) {
  const CodecCase c = GetParam();
  std::vector<Plan> plans = session_plans();
  plans.resize(2);
  CompressedTokenWriter w(c.type, kCompressLevelNotSpecified, c.protocol);
  Bytes all;
  for (const Plan& p : plans) {
    const Bytes b = encode(w, p);
    all.insert(all.end(), b.begin(), b.end());
  }
  // Every cut short of the end leaves the last file unfinished: need-more,
  // never an error or an early end.
  for (size_t cut = 0; cut < all.size(); cut += 97) {
    CompressedTokenReader rd(c.type, c.protocol);
    const ByteSpan part = ByteSpan(all).first(cut);
    size_t pos = 0;
    Status s;
    for (size_t i = 0; i < plans.size() && s.ok(); ++i) {
      Bytes got;
      s = decode_file(rd, part, &pos, plans[i], false, &got);
    }
    EXPECT_TRUE(s.need_more()) << "cut at " << cut << ": " << s.to_string();
  }
  // Random damage: an error (exit 2 or 12), need-more or a wrong file;
  // never a crash, and hardly ever unnoticed.
  std::mt19937 rng(99);
  int errors = 0;
  int unnoticed = 0;
  for (int round = 0; round < 300; ++round) {
    Bytes bad = all;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f)
      bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    CompressedTokenReader rd(c.type, c.protocol);
    size_t pos = 0;
    Status s;
    bool same = true;
    for (size_t i = 0; i < plans.size() && s.ok(); ++i) {
      Bytes got;
      s = decode_file(rd, ByteSpan(bad), &pos, plans[i], false, &got);
      same = same && got == plans[i].content();
    }
    if (s.is_error()) {
      ++errors;
      EXPECT_TRUE(s.exit_status() == 2 || s.exit_status() == 12) << s.to_string();
    }
    if (s.ok() && same && pos == bad.size()) ++unnoticed;
  }
  EXPECT_GT(errors, 0);
  EXPECT_LT(unnoticed, 15);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedRoundTrip,
                         ::testing::Values(CodecCase{CompressType::kZlib, 31},
                                           CodecCase{CompressType::kZlib, 30},
                                           CodecCase{CompressType::kZlibx, 31},
                                           CodecCase{CompressType::kZstd, 31},
                                           CodecCase{CompressType::kLz4, 31}),
                         [](const ::testing::TestParamInfo<CodecCase>& p) {
                           std::string n = std::string(wire::compress_name(p.param.type));
                           return n + "_p" + std::to_string(p.param.protocol);
                         });

// The notes' golden (pull-z-zlib, small.txt = "hello world\n", the content
// make_fixtures.py gives it): one packet of the sync-flushed deflate output
// without its 00 00 FF FF, then END_FLAG.
TEST(CompressedTokenTest, ZlibSmallTxtKnownAnswer) {
  CompressedTokenWriter w(CompressType::kZlib, kCompressLevelNotSpecified, 32);
  ByteWriter out;
  ASSERT_TRUE(w.token(out, as_bytes("hello world\n"), -1, {}).ok());
  EXPECT_EQ(hex(ByteSpan(out.bytes())), "400eca48cdc9c95728cf2fca49e1020000");
  CompressedTokenReader rd(CompressType::kZlib, 32);
  ByteReader r{ByteSpan(out.bytes())};
  Token t;
  ASSERT_TRUE(rd.get(r, 0, &t).ok());
  ASSERT_EQ(t.kind, Token::Kind::kLiteral);
  EXPECT_EQ(as_chars(t.literal), "hello world\n");
  ASSERT_TRUE(rd.get(r, 0, &t).ok());
  EXPECT_EQ(t.kind, Token::Kind::kEnd);
  EXPECT_TRUE(r.empty());
}

// The framing, byte for byte, with lz4 (a literal of n <= 14 bytes is the
// block 0x(n)0 then the bytes).
TEST(CompressedTokenTest, RunAndTokenFraming) {
  CompressedTokenWriter w(CompressType::kLz4, kCompressLevelNotSpecified, 31);
  ByteWriter out;
  const Bytes basis(1000, 7);
  const auto blk = [&](int32_t) { return ByteSpan(basis).first(10); };
  ASSERT_TRUE(w.token(out, as_bytes("abc"), 0, blk(0)).ok());
  EXPECT_EQ(hex(ByteSpan(out.bytes())), "400430616263") << "block 0 is held back";
  ASSERT_TRUE(w.token(out, {}, 1, blk(1)).ok());
  ASSERT_TRUE(w.token(out, {}, 2, blk(2)).ok());
  ASSERT_TRUE(w.token(out, as_bytes("x"), 100, blk(100)).ok());
  ASSERT_TRUE(w.token(out, {}, 101, blk(101)).ok());
  ASSERT_TRUE(w.token(out, {}, 40, blk(40)).ok());
  ASSERT_TRUE(w.token(out, {}, -1, {}).ok());
  // run 0..2 (REL +0, 2 extra); "x"; run 100..101 from 2 (+98: LONG, 1
  // extra); 40 (before the last run's end: LONG); END.
  EXPECT_EQ(hex(ByteSpan(out.bytes())),
            "400430616263"
            "c00200"
            "40021078"
            "21640000000100"
            "2028000000"
            "00");
  // A second file starts from block 0 again: block 3 is REL +3; 66 is the
  // farthest REL (+63); 130 (+64) is LONG.
  ByteWriter f2;
  ASSERT_TRUE(w.token(f2, {}, 3, blk(3)).ok());
  ASSERT_TRUE(w.token(f2, {}, 66, blk(66)).ok());
  ASSERT_TRUE(w.token(f2, {}, 130, blk(130)).ok());
  ASSERT_TRUE(w.token(f2, {}, -1, {}).ok());
  EXPECT_EQ(hex(ByteSpan(f2.bytes())), "83bf208200000000");

  CompressedTokenReader rd(CompressType::kLz4, 31);
  ByteReader r{ByteSpan(out.bytes())};
  std::vector<int32_t> blocks;
  Token t;
  for (;;) {
    ASSERT_TRUE(rd.get(r, 200, &t).ok());
    if (t.kind == Token::Kind::kEnd) break;
    if (t.kind == Token::Kind::kBlock) blocks.push_back(t.block);
  }
  EXPECT_EQ(blocks, (std::vector<int32_t>{0, 1, 2, 100, 101, 40}));
  ByteReader r2{ByteSpan(f2.bytes())};
  blocks.clear();
  for (;;) {
    ASSERT_TRUE(rd.get(r2, 200, &t).ok());
    if (t.kind == Token::Kind::kEnd) break;
    blocks.push_back(t.block);
  }
  EXPECT_EQ(blocks, (std::vector<int32_t>{3, 66, 130}));
}

TEST(CompressedTokenTest, LongRunsAreCutAt65536Blocks) {
  CompressedTokenWriter w(CompressType::kLz4, kCompressLevelNotSpecified, 31);
  ByteWriter out;
  const uint8_t one = 1;
  for (int32_t k = 0; k <= 65536; ++k) ASSERT_TRUE(w.token(out, {}, k, ByteSpan(&one, 1)).ok());
  ASSERT_TRUE(w.token(out, {}, -1, {}).ok());
  // 0..65535 (65535 extra), then 65536 alone (REL +1 from 65535), END.
  EXPECT_EQ(hex(ByteSpan(out.bytes())), "c0ffff8100");
  CompressedTokenReader rd(CompressType::kLz4, 31);
  ByteReader r{ByteSpan(out.bytes())};
  Token t;
  int32_t expect = 0;
  for (;;) {
    ASSERT_TRUE(rd.get(r, 65537, &t).ok());
    if (t.kind == Token::Kind::kEnd) break;
    ASSERT_EQ(t.block, expect++);
  }
  EXPECT_EQ(expect, 65537);
}

TEST(CompressedTokenTest, Lz4HalvesIncompressibleInput) {
  CompressedTokenWriter w(CompressType::kLz4, kCompressLevelNotSpecified, 31);
  std::mt19937 rng(5);
  const Bytes data = random_bytes(rng, 16383);
  ByteWriter out;
  ASSERT_TRUE(w.token(out, ByteSpan(data), -1, {}).ok());
  // 16383 random bytes do not fit a packet compressed: 8191, then 8192.
  ByteReader r{ByteSpan(out.bytes())};
  CompressedTokenReader rd(CompressType::kLz4, 31);
  std::vector<size_t> pieces;
  Token t;
  for (;;) {
    ASSERT_TRUE(rd.get(r, 0, &t).ok());
    if (t.kind == Token::Kind::kEnd) break;
    pieces.push_back(t.literal.size());
  }
  EXPECT_EQ(pieces, (std::vector<size_t>{8191, 8192}));
}

TEST(CompressedTokenTest, ZlibFeedsMatchedBlocksIntoHistoryZlibxDoesNot) {
  std::mt19937 rng(7);
  Plan p;
  p.basis = random_bytes(rng, 10000);
  p.blength = 10000;
  // A block, then a literal equal to it: zlib finds it in its history.
  p.calls = {{{}, 0}, {p.basis, -1}};
  CompressedTokenWriter zw(CompressType::kZlib, kCompressLevelNotSpecified, 31);
  CompressedTokenWriter xw(CompressType::kZlibx, kCompressLevelNotSpecified, 31);
  const Bytes z = encode(zw, p);
  const Bytes x = encode(xw, p);
  EXPECT_LT(z.size(), 200u);
  EXPECT_GT(x.size(), 10000u);
  // The receiver must feed the block too.
  {
    CompressedTokenReader rd(CompressType::kZlib, 31);
    size_t pos = 0;
    Bytes got;
    ASSERT_TRUE(decode_file(rd, ByteSpan(z), &pos, p, false, &got).ok());
    EXPECT_EQ(got, p.content());
  }
  {
    CompressedTokenReader rd(CompressType::kZlib, 31);
    size_t pos = 0;
    Bytes got;
    const Status s = decode_file(rd, ByteSpan(z), &pos, p, false, &got, /*see=*/false);
    EXPECT_TRUE(!s.ok() || got != p.content()) << "decoded without the block's history";
  }
}

// Below protocol 31 both sides feed a block over 65535 bytes as repeats of
// its first bytes; a receiver that disagrees ends up with other history.
TEST(CompressedTokenTest, ZlibProtocol30RepeatsTheBlockStart) {
  std::mt19937 rng(8);
  Plan p;
  p.basis = random_bytes(rng, 70000);
  p.blength = 70000;
  // A literal of the block's first 4465 bytes (the newest history at 30:
  // the second piece repeats them) and its last 4465 (the newest at 31).
  Bytes lit(p.basis.begin(), p.basis.begin() + 4465);
  lit.insert(lit.end(), p.basis.begin() + 65535, p.basis.end());
  p.calls = {{{}, 0}, {lit, -1}};
  for (int proto : {30, 31}) {
    CompressedTokenWriter w(CompressType::kZlib, kCompressLevelNotSpecified, proto);
    const Bytes z = encode(w, p);
    for (int rproto : {30, 31}) {
      CompressedTokenReader rd(CompressType::kZlib, rproto);
      size_t pos = 0;
      Bytes got;
      const Status s = decode_file(rd, ByteSpan(z), &pos, p, false, &got);
      if (proto == rproto) {
        ASSERT_TRUE(s.ok()) << s.to_string();
        EXPECT_EQ(got, p.content()) << proto;
      } else {
        EXPECT_TRUE(!s.ok() || got != p.content()) << proto << " vs " << rproto;
      }
    }
  }
}

// zstd keeps one context for the session: a file repeating an earlier one is
// sent as references into it, which a fresh decoder cannot follow.
TEST(CompressedTokenTest, ZstdContextSpansFiles) {
  std::mt19937 rng(9);
  Plan p;
  p.calls = {{random_bytes(rng, 20000), -1}};
  CompressedTokenWriter w(CompressType::kZstd, kCompressLevelNotSpecified, 31);
  const Bytes first = encode(w, p);
  const Bytes second = encode(w, p);
  EXPECT_GT(first.size(), 20000u);
  EXPECT_LT(second.size(), 200u);
  CompressedTokenReader fresh(CompressType::kZstd, 31);
  size_t pos = 0;
  Bytes got;
  const Status s = decode_file(fresh, ByteSpan(second), &pos, p, false, &got);
  EXPECT_TRUE(s.is_error()) << s.to_string();
  EXPECT_EQ(s.exit_status(), 12);
}

TEST(CompressedTokenTest, ZstdPacketsFillBeforeTheyAreSent) {
  std::mt19937 rng(10);
  Plan p;
  p.calls = whole_file_calls(random_bytes(rng, 3 * 16383 + 8000));
  CompressedTokenWriter w(CompressType::kZstd, kCompressLevelNotSpecified, 31);
  const Bytes z = encode(w, p);
  // Packets: full ones while -2 calls continue the frame, then the flush.
  std::vector<size_t> sizes;
  size_t i = 0;
  while (i < z.size() && (z[i] & 0xC0) == 0x40) {
    const size_t n = (size_t{z[i] & 0x3Fu} << 8) | z[i + 1];
    sizes.push_back(n);
    i += 2 + n;
  }
  ASSERT_GE(sizes.size(), 4u);
  for (size_t k = 0; k + 1 < sizes.size(); ++k) EXPECT_EQ(sizes[k], 16383u) << k;
  EXPECT_EQ(i + 1, z.size());
  EXPECT_EQ(z.back(), 0x00);
}

TEST(CompressedTokenTest, ZlibPacketsHoldBackTheSyncTail) {
  std::mt19937 rng(11);
  Plan p;
  p.calls = {{random_bytes(rng, 30000), -1}};
  CompressedTokenWriter w(CompressType::kZlib, kCompressLevelNotSpecified, 31);
  const Bytes z = encode(w, p);
  std::vector<size_t> sizes;
  size_t i = 0;
  while (i < z.size() && (z[i] & 0xC0) == 0x40) {
    const size_t n = (size_t{z[i] & 0x3Fu} << 8) | z[i + 1];
    sizes.push_back(n);
    i += 2 + n;
  }
  // Stored output of 30000 random bytes: a full first packet less the four
  // held back in flush mode, then the rest.
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes[0], 16379u);
  EXPECT_EQ(i + 1, z.size());
}

Status decode_bytes(CompressType type, std::initializer_list<uint8_t> bytes, int32_t count,
                    std::vector<Token::Kind>* kinds = nullptr) {
  const Bytes b(bytes);
  CompressedTokenReader rd(type, 31);
  ByteReader r{ByteSpan(b)};
  for (;;) {
    Token t;
    CRSYNC_RETURN_IF_ERROR(rd.get(r, count, &t));
    if (kinds) kinds->push_back(t.kind);
    if (t.kind == Token::Kind::kEnd) return Status::Ok();
  }
}

TEST(CompressedTokenTest, HostileTokensAreRefused) {
  for (CompressType type :
       {CompressType::kZlib, CompressType::kZlibx, CompressType::kZstd, CompressType::kLz4}) {
    SCOPED_TRACE(std::string(wire::compress_name(type)));
    EXPECT_TRUE(decode_bytes(type, {0x84, 0x00}, 5).ok());
    EXPECT_EQ(decode_bytes(type, {0x85, 0x00}, 5).exit_status(), 2);              // REL beyond
    EXPECT_EQ(decode_bytes(type, {0x20, 5, 0, 0, 0, 0x00}, 5).exit_status(), 2);  // LONG beyond
    EXPECT_EQ(decode_bytes(type, {0x20, 0xff, 0xff, 0xff, 0xff}, 5).exit_status(), 2);  // < 0
    EXPECT_EQ(decode_bytes(type, {0xC0, 0x00, 0x00}, 5).exit_status(), 2);  // run of 0 extra
    EXPECT_EQ(decode_bytes(type, {0xC1, 0x04, 0x00}, 5).exit_status(), 2);  // run past the end
    EXPECT_TRUE(decode_bytes(type, {0xC1, 0x03, 0x00, 0x00}, 5).ok());
    EXPECT_EQ(decode_bytes(type, {0x21, 0, 0, 0, 0x80, 1, 0}, 5).exit_status(), 2);
    EXPECT_EQ(decode_bytes(type, {0x80, 0x00}, 0).exit_status(), 2);  // no basis, no blocks
    // Truncated elements are need-more.
    EXPECT_TRUE(decode_bytes(type, {0x20, 1, 0}, 5).need_more());
    EXPECT_TRUE(decode_bytes(type, {0xC1, 1}, 5).need_more());
    EXPECT_TRUE(decode_bytes(type, {0x40}, 5).need_more());
    EXPECT_TRUE(decode_bytes(type, {0x40, 0x05, 1, 2}, 5).need_more());
    // Compressed garbage is a stream error.
    const Status s = decode_bytes(type, {0x40, 0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 5);
    EXPECT_EQ(s.exit_status(), 12) << s.to_string();
  }
}

TEST(CompressedTokenTest, ZlibLostSyncIsAStreamError) {
  // small.txt's packet without its last byte: the stream is no longer at
  // the point where the sync flush's tail belongs.
  const Status s = decode_bytes(CompressType::kZlib,
                                {0x40, 0x0d, 0xca, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x28, 0xcf, 0x2f,
                                 0xca, 0x49, 0xe1, 0x02, 0x00},
                                0);
  EXPECT_EQ(s.exit_status(), 12) << s.to_string();
  EXPECT_EQ(s.message(), "decompressor lost sync!");
}

TEST(CompressedTokenTest, ResolveCompressionFollowsUpstreamRules) {
  EXPECT_EQ(resolve_compression(CompressType::kZlib, kCompressLevelNotSpecified).level, 6);
  EXPECT_EQ(resolve_compression(CompressType::kZlib, -1).level, 6);
  EXPECT_EQ(resolve_compression(CompressType::kZlib, 12).level, 9);
  EXPECT_EQ(resolve_compression(CompressType::kZlib, -7).level, 1);
  EXPECT_EQ(resolve_compression(CompressType::kZlib, 0).type, CompressType::kNone);
  EXPECT_EQ(resolve_compression(CompressType::kZlibx, 3).level, 3);
  EXPECT_EQ(resolve_compression(CompressType::kZstd, kCompressLevelNotSpecified).level, 3);
  EXPECT_EQ(resolve_compression(CompressType::kZstd, 0).level, 3);
  EXPECT_EQ(resolve_compression(CompressType::kZstd, -1).level, -1);
  EXPECT_EQ(resolve_compression(CompressType::kZstd, 1000).level, 22);
  EXPECT_EQ(resolve_compression(CompressType::kLz4, 5).level, 0);
  EXPECT_EQ(resolve_compression(CompressType::kLz4, 0).type, CompressType::kLz4);
}

// The matcher hands a sink each block's bytes; the adapter batches output.
TEST(CompressedTokenTest, SinkAdapterBatchesAndMatchesThePlainPath) {
  std::mt19937 rng(12);
  Plan p;
  p.basis = text_bytes(rng, 5000);
  p.blength = 500;
  p.calls = {{text_bytes(rng, 300), 0}, {{}, 1}, {text_bytes(rng, 70000), 3}, {{}, -1}};
  CompressedTokenWriter direct(CompressType::kZlib, kCompressLevelNotSpecified, 31);
  const Bytes want = encode(direct, p);

  CompressedTokenWriter w(CompressType::kZlib, kCompressLevelNotSpecified, 31);
  Bytes got;
  int flushes = 0;
  CompressedTokenSink sink(
      w,
      [&](ByteSpan b) {
        got.insert(got.end(), b.begin(), b.end());
        ++flushes;
        return Status::Ok();
      },
      1000);
  TokenSink& as_sink = sink;
  for (const Call& c : p.calls) {
    as_sink.token_with_match(ByteSpan(c.literal), c.block,
                             c.block >= 0 ? p.block(c.block) : ByteSpan());
  }
  ASSERT_TRUE(sink.finish().ok());
  EXPECT_EQ(got, want);
  EXPECT_GT(flushes, 1);
}

RC_GTEST_PROP(CompressedTokenProp, AnyCallSequenceRoundTrips, ()) {
  const auto type = *rc::gen::element(CompressType::kZlib, CompressType::kZlibx,
                                      CompressType::kZstd, CompressType::kLz4);
  const int proto = *rc::gen::element(30, 31);
  const int files = *rc::gen::inRange(1, 4);
  std::vector<Plan> plans;
  for (int f = 0; f < files; ++f) {
    Plan p;
    p.blength = *rc::gen::element(1, 50, 700);
    p.basis = *rc::gen::container<Bytes>(*rc::gen::inRange<size_t>(0, 3000),
                                         rc::gen::inRange<uint8_t>(0, 6));
    const int32_t count = p.count();
    const int n = *rc::gen::inRange(0, 12);
    for (int i = 0; i < n; ++i) {
      Call c;
      c.literal = *rc::gen::container<Bytes>(*rc::gen::inRange<size_t>(0, 40000),
                                             rc::gen::inRange<uint8_t>(0, 20));
      c.block = count > 0 ? *rc::gen::inRange(-2, count) : -2;
      if (c.block == -1 || (c.block == -2 && c.literal.empty())) c.block = count > 0 ? 0 : -2;
      if (c.block == -2 && c.literal.empty()) c.literal.push_back(1);
      p.calls.push_back(std::move(c));
    }
    p.calls.push_back({*rc::gen::container<Bytes>(*rc::gen::inRange<size_t>(0, 100),
                                                  rc::gen::arbitrary<uint8_t>()),
                       -1});
    plans.push_back(std::move(p));
  }
  CompressedTokenWriter w(type, kCompressLevelNotSpecified, proto);
  Bytes all;
  for (const Plan& p : plans) {
    const Bytes b = encode(w, p);
    all.insert(all.end(), b.begin(), b.end());
  }
  CompressedTokenReader rd(type, proto);
  size_t pos = 0;
  for (const Plan& p : plans) {
    Bytes got;
    const Status s = decode_file(rd, ByteSpan(all), &pos, p, false, &got);
    RC_ASSERT(s.ok());
    RC_ASSERT(got == p.content());
  }
  RC_ASSERT(pos == all.size());
}

}  // namespace
}  // namespace crsync::delta
