// Differential test of the in-place matcher against upstream rsync. Upstream
// copies a file with --inplace --no-whole-file and records the session in a
// batch file (--write-batch); for a single file that batch holds the sender's
// stream for it: the sum head, the tokens and the whole-file checksum.
// crsync's matcher, given the same basis, new file, block size, checksum and
// seed, must produce those bytes exactly.
//
// The reference is $CRSYNC_REFERENCE_RSYNC if set, else the rsync 3.2.7 peer
// that ci/install-deps.sh extracts ($CRSYNC_PEERS_DIR, default
// /opt/crsync-peers), whose match.c in-place search is the same as 3.4.1's.
// The test is skipped when neither is there. It deliberately does not use
// the rsync on the PATH: Debian's 3.5.0 build (3.5.0+ds1-0+deb12u1) sends
// different in-place streams from 3.4.1's (on some small-block files it
// passes over offsets inside a literal run where 3.4.1 matches a block).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "checksum/rolling.h"
#include "checksum/strong_sum.h"
#include "checksum/sum_sizes.h"
#include "delta/matcher.h"
#include "delta/signature.h"
#include "delta/token_codec.h"

namespace crsync::delta {
namespace {

namespace fs = std::filesystem;
using checksum::ChecksumType;

// How upstream is asked to transfer, and the matching crsync parameters.
struct Config {
  const char* name;
  int protocol;
  const char* rsync_args;  // protocol and checksum choice
  ChecksumType type;
  bool proper_seed_order;
};

constexpr Config kConfigs[] = {
    {"p32-md5", 32, "--checksum-choice=md5", ChecksumType::kMd5, true},
    {"p30-md5", 30, "--protocol=30 --checksum-choice=md5", ChecksumType::kMd5, true},
    {"p29", 29, "--protocol=29", ChecksumType::kMd4Old, false},
};
constexpr int32_t kSeed = 7;

void PrintTo(const Config& c, std::ostream* os) {
  *os << c.name;
}

void write_file(const fs::path& p, ByteSpan data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

Bytes read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "crsync-inplace-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
  fs::path path;
};

// The reference rsync binary, or empty.
std::string reference_rsync() {
  if (const char* env = std::getenv("CRSYNC_REFERENCE_RSYNC")) return env;
  const char* peers = std::getenv("CRSYNC_PEERS_DIR");
  const fs::path p = fs::path(peers ? peers : "/opt/crsync-peers") / "rsync-3.2.7/usr/bin/rsync";
  std::error_code ec;
  return fs::exists(p, ec) ? p.string() : std::string();
}

// Runs upstream on one basis/new pair; returns the batch file's bytes, or
// empty when rsync failed.
Bytes upstream_batch(const Config& cfg, ByteSpan basis, ByteSpan data, int32_t blength) {
  TempDir dir;
  if (dir.path.empty()) return {};
  fs::create_directory(dir.path / "src");
  fs::create_directory(dir.path / "dst");
  write_file(dir.path / "src" / "f", data);
  write_file(dir.path / "dst" / "f", basis);
  const std::string cmd =
      "'" + reference_rsync() + "' -I --inplace --no-whole-file -B " + std::to_string(blength) +
      " " + cfg.rsync_args + " --checksum-seed=" + std::to_string(kSeed) + " --write-batch='" +
      (dir.path / "batch").string() + "' '" + (dir.path / "src" / "f").string() + "' '" +
      (dir.path / "dst" / "f").string() + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  return read_file(dir.path / "batch");
}

bool upstream_available() {
  static const bool ok = [] {
    if (reference_rsync().empty()) return false;
    const Bytes probe(100, 1);
    return !upstream_batch(kConfigs[0], ByteSpan(probe), ByteSpan(probe), 10).empty();
  }();
  return ok;
}

// Encodes tokens as the plain (uncompressed) wire stream.
class WireSink : public TokenSink {
 public:
  void token(ByteSpan literal, int32_t block) override {
    if (!literal.empty()) put_literal(w, literal);
    if (block >= 0) put_block(w, block);
    if (block == -1) put_end(w);
  }
  ByteWriter w;
};

// Compares crsync's stream for one pair with upstream's: the bytes from the
// sum head through the whole-file checksum. Returns an empty string when
// they agree (or upstream is not there), else what differs.
std::string compare(const Config& cfg, ByteSpan basis, ByteSpan data, int32_t blength) {
  checksum::SumSizeParams p;
  p.protocol = cfg.protocol;
  p.block_size_opt = blength;
  const checksum::SumHead head = checksum::sum_sizes_sqroot(static_cast<int64_t>(basis.size()), p);
  checksum::BlockSummer summer(cfg.type, kSeed, cfg.proper_seed_order);
  const Signature sig = make_signature(basis, head, summer);
  checksum::FileSum file_sum(cfg.type, kSeed);
  WireSink sink;
  put_sum_head(sink.w, head, cfg.protocol);
  MatchOptions opts;
  opts.updating_basis_file = true;
  match_file(data, sig, summer, file_sum, sink, opts);
  uint8_t digest[64];
  const int n = file_sum.finish(digest);
  sink.w.append(ByteSpan(digest, static_cast<size_t>(n)));
  const Bytes& ours = sink.w.bytes();

  const Bytes batch = upstream_batch(cfg, basis, data, blength);
  if (batch.empty()) return "rsync failed";
  // The sum head is 16 bytes; the file's stream starts with it (the redo
  // pass, if any, has a different head: full-length strong sums).
  const auto at = std::search(batch.begin(), batch.end(), ours.begin(), ours.begin() + 16);
  if (at == batch.end()) return "sum head not in the batch";
  const auto avail = static_cast<size_t>(batch.end() - at);
  const size_t k = std::min(avail, ours.size());
  const auto diff = std::mismatch(ours.begin(), ours.begin() + static_cast<std::ptrdiff_t>(k), at);
  if (diff.first == ours.begin() + static_cast<std::ptrdiff_t>(k) && k == ours.size()) return "";
  return "streams differ at byte " + std::to_string(diff.first - ours.begin()) + " of " +
         std::to_string(ours.size());
}

Bytes noise(size_t n, std::mt19937& rng) {
  Bytes b(n);
  for (auto& c : b) c = static_cast<uint8_t>(rng());
  return b;
}

Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Case {
  std::string name;
  Bytes basis, data;
  int32_t blength;
};

// The shapes of the unit tests, here with upstream as the judge.
std::vector<Case> fixed_cases() {
  std::mt19937 rng(99);
  std::vector<Case> out;
  const Bytes b2800 = noise(2800, rng);
  const ByteSpan b(b2800);
  out.push_back({"moved forward", b2800, cat({ByteSpan(noise(700, rng)), b}), 700});
  out.push_back({"moved back", b2800, Bytes(b2800.begin() + 100, b2800.end()), 700});
  out.push_back(
      {"block swap", b2800,
       cat({b.subspan(700, 700), b.subspan(0, 700), b.subspan(2100, 700), b.subspan(1400, 700)}),
       700});
  out.push_back({"identical", b2800, b2800, 700});
  out.push_back({"kept block repeated", b2800, cat({b, b.subspan(0, 700)}), 700});
  const Bytes p = noise(700, rng), q = noise(700, rng), bb = noise(700, rng);
  out.push_back({"own offset preferred",
                 cat({ByteSpan(p), ByteSpan(bb), ByteSpan(q), ByteSpan(bb)}),
                 cat({ByteSpan(q), ByteSpan(bb)}), 700});
  const Bytes a = noise(700, rng), c = noise(700, rng), d = noise(700, rng);
  out.push_back({"next block behind",
                 cat({ByteSpan(a), ByteSpan(bb), ByteSpan(c), ByteSpan(d), ByteSpan(bb)}),
                 cat({ByteSpan(a), ByteSpan(c), ByteSpan(a), ByteSpan(bb)}), 700});
  const Bytes zeros(2800, 0);
  out.push_back({"zeros realigned", zeros, cat({ByteSpan(Bytes(50, 0x41)), ByteSpan(zeros)}), 700});
  out.push_back({"zeros", Bytes(5000, 0), Bytes(5000, 0), 700});
  out.push_back({"zeros longer", Bytes(5000, 0), Bytes(6400, 0), 700});
  out.push_back({"zeros shorter", Bytes(5000, 0), Bytes(3333, 0), 700});
  // The failed-realignment quirk (see matcher_test.cc).
  Bytes n(32, 0);
  for (int g = 0; g < 8; ++g) n.insert(n.end(), {0x01, 0xFF, 0xFF, 0x01});
  const Bytes y = noise(64, rng), y2 = noise(64, rng), m = noise(64, rng), z(64, 0);
  out.push_back({"failed realignment",
                 cat({ByteSpan(y), ByteSpan(y2), ByteSpan(z), ByteSpan(m), ByteSpan(n)}),
                 cat({ByteSpan(m), ByteSpan(Bytes(32, 0x55)), ByteSpan(Bytes(32, 0)), ByteSpan(n)}),
                 64});
  return out;
}

// Random edits of small-alphabet, zero-heavy data: block moves and copies,
// insertions, deletions, runs of zeros. At most 5000 bytes, so no rolling sum
// is shared by more than 1024 blocks (rsync 3.5.0 stops walking a chain
// there; 3.4.1 does not).
Case random_case(std::mt19937& rng, int i) {
  const auto pick = [&](size_t lo, size_t hi) {
    return std::uniform_int_distribution<size_t>(lo, hi)(rng);
  };
  Case c;
  c.name = "random " + std::to_string(i);
  c.basis.resize(pick(1, 5000));
  const auto alphabet = static_cast<uint8_t>(pick(1, 8));
  for (auto& b : c.basis) b = pick(0, 3) == 0 ? 0 : static_cast<uint8_t>(pick(0, alphabet));
  c.data = c.basis;
  const size_t edits = pick(0, 5);
  for (size_t e = 0; e < edits; ++e) {
    const size_t pos = pick(0, c.data.size());
    const size_t del = std::min<size_t>(pick(0, 300), c.data.size() - pos);
    Bytes ins;
    switch (pick(0, 2)) {
      case 0: ins = noise(pick(0, 300), rng); break;
      case 1: ins.assign(pick(0, 300), 0); break;
      default: {
        const size_t from = pick(0, c.data.size());
        const size_t k = std::min<size_t>(pick(0, 1000), c.data.size() - from);
        ins.assign(c.data.begin() + static_cast<std::ptrdiff_t>(from),
                   c.data.begin() + static_cast<std::ptrdiff_t>(from + k));
      }
    }
    c.data.erase(c.data.begin() + static_cast<std::ptrdiff_t>(pos),
                 c.data.begin() + static_cast<std::ptrdiff_t>(pos + del));
    c.data.insert(c.data.begin() + static_cast<std::ptrdiff_t>(pos), ins.begin(), ins.end());
  }
  if (c.data.empty()) c.data.push_back(0);
  static constexpr int32_t kBlens[] = {8, 16, 64, 100, 700};
  c.blength = kBlens[pick(0, 4)];
  return c;
}

class InPlaceUpstreamTest : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    // ci/install-deps.sh installs the 3.2.7 peer, so its absence is a
    // failure; a developer without it may opt out explicitly.
    if (!upstream_available()) {
      if (std::getenv("CRSYNC_ALLOW_NO_PEERS")) GTEST_SKIP() << "no reference rsync";
      FAIL() << "no reference rsync: run ci/install-deps.sh or set CRSYNC_REFERENCE_RSYNC";
    }
  }
};

TEST_P(InPlaceUpstreamTest, FixedCasesMatchUpstreamByteForByte) {
  for (const Case& c : fixed_cases())
    EXPECT_EQ(compare(GetParam(), ByteSpan(c.basis), ByteSpan(c.data), c.blength), "") << c.name;
}

TEST_P(InPlaceUpstreamTest, RandomEditsMatchUpstreamByteForByte) {
  std::mt19937 rng(2024 + static_cast<uint32_t>(GetParam().protocol));
  // CRSYNC_REFERENCE_CASES runs more (each case is one rsync run).
  const char* more = std::getenv("CRSYNC_REFERENCE_CASES");
  const int cases = more ? std::atoi(more) : 10;
  for (int i = 0; i < cases; ++i) {
    const Case c = random_case(rng, i);
    EXPECT_EQ(compare(GetParam(), ByteSpan(c.basis), ByteSpan(c.data), c.blength), "")
        << c.name << ": basis " << c.basis.size() << " bytes, file " << c.data.size()
        << " bytes, block " << c.blength;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, InPlaceUpstreamTest, ::testing::ValuesIn(kConfigs),
                         [](const auto& param_info) {
                           std::string s = param_info.param.name;
                           for (char& ch : s)
                             if (ch == '-') ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace crsync::delta
