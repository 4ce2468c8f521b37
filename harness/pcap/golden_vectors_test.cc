// Known-answer vectors read out of the golden captures of upstream rsync
// 3.4.1 (captures/golden-3.4.1): the codecs and checksum rules must decode
// and recompute the bytes upstream actually sent. The fixture trees are
// rebuilt with the generator the captures were recorded from.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checksum/hasher.h"
#include "checksum/rolling.h"
#include "checksum/strong_sum.h"
#include "checksum/sum_sizes.h"
#include "delta/compressed_token.h"
#include "delta/matcher.h"
#include "delta/signature.h"
#include "flist/flist_decoder.h"
#include "flist/flist_encoder.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "pcap/daemon_session.h"
#include "pcap/tcp_reassembly.h"
#include "wire/ndx_codec.h"
#include "wire/negotiate.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

namespace fs = std::filesystem;
using checksum::ChecksumType;
using flist::FileEntry;
using json = nlohmann::json;

const fs::path kGolden = CRSYNC_GOLDEN_DIR;

class GoldenTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    const char* shm = fs::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    fixtures_ = fs::path(shm) / ("crsync-golden-fixtures-" + std::to_string(::getpid()));
    fs::remove_all(fixtures_);
    fs::create_directories(fixtures_);
    const std::string cmd = "/usr/bin/python3 '" +
                            (kGolden / "fixtures/make_fixtures.py").string() + "' '" +
                            fixtures_.string() + "' >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() { fs::remove_all(fixtures_); }

  static std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  struct Session {
    json scenario;
    Connection conn;
    DaemonText text;
    BinaryPrologue pro;
    Demuxed s2c;  // sender (server) -> client
    Demuxed c2s;  // client -> server
  };

  static Session load(const std::string& name) {
    Session s;
    const fs::path dir = kGolden / "scenarios" / name;
    s.scenario = json::parse(read_file(dir / "scenario.json"));
    std::vector<Connection> conns;
    EXPECT_TRUE(reassemble_file((dir / "capture.pcap").string(), &conns).ok());
    EXPECT_EQ(conns.size(), 1u);
    if (conns.empty()) return s;
    s.conn = std::move(conns[0]);
    EXPECT_FALSE(s.conn.c2s.stats.gap);
    EXPECT_FALSE(s.conn.s2c.stats.gap);
    EXPECT_TRUE(parse_daemon_text(s.conn.c2s.data, s.conn.s2c.data, &s.text).ok());
    if (s.text.listing || s.text.refused) return s;
    Status st = parse_binary_prologue(s.conn.c2s.data, s.conn.s2c.data, s.text, &s.pro);
    EXPECT_TRUE(st.ok()) << st.to_string();
    EXPECT_TRUE(demultiplex(ByteSpan(s.conn.s2c.data).subspan(s.pro.s2c_mux), &s.s2c).ok());
    const ByteSpan c2s = ByteSpan(s.conn.c2s.data).subspan(s.pro.c2s_after);
    if (s.text.protocol >= 30) {
      EXPECT_TRUE(demultiplex(c2s, &s.c2s).ok());
    } else {
      s.c2s.data.assign(c2s.begin(), c2s.end());
    }
    return s;
  }

  static flist::FlistOptions options_for(const Session& s) {
    flist::FlistOptions o;
    o.protocol = s.text.protocol;
    o.varint_flags = s.pro.compat_flags & wire::kCfVarintFlistFlags;
    o.safe_flist = (s.pro.compat_flags & wire::kCfSafeFlist) || s.text.protocol >= 31;
    o.preserve_uid = o.preserve_gid = o.preserve_links = true;  // -a (-rlptgoD)
    o.preserve_devices = o.preserve_specials = true;
    return o;
  }

  static const json* tree_entry(const Session& s, std::string_view path) {
    for (const auto& e : s.scenario["result_tree"])
      if (e["path"] == path) return &e;
    return nullptr;
  }

  static fs::path fixtures_;
};

fs::path GoldenTest::fixtures_;

// Reads one file list (until its end marker) and sorts it as upstream does.
Status read_list(flist::FlistDecoder& d, ByteReader& r, int32_t ndx_start, int protocol,
                 std::vector<FileEntry>* out) {
  std::vector<FileEntry> list;
  flist::FlistDecoder::Item it;
  while (true) {
    CRSYNC_RETURN_IF_ERROR(d.next(r, list, ndx_start, &it));
    if (it.end) break;
    list.push_back(std::move(it.entry));
  }
  flist::sort_file_list(list, protocol);
  *out = std::move(list);
  return Status::Ok();
}

TEST_F(GoldenTest, DeltaItemizePrologueAndNegotiation) {
  Session s = load("pull-delta-itemize");
  EXPECT_EQ(s.text.protocol, 32);
  EXPECT_EQ(s.text.server_greeting, "@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4");
  EXPECT_EQ(s.text.module, "src");
  EXPECT_EQ(s.text.args, (std::vector<std::string>{"--server", "--sender", "-logDtpre.iLsfxCIvu",
                                                   "--checksum-seed=32761", ".", "src/"}));
  // Two full 3.4.1 peers: all nine compat flags, 0x1FF.
  EXPECT_EQ(s.pro.compat_flags, 0x1FFu);
  // The lists upstream advertises are the ones crsync advertises.
  EXPECT_EQ(s.pro.server_checksum_list, wire::default_name_list(wire::NameKind::kChecksum, true));
  EXPECT_EQ(s.pro.client_checksum_list, wire::default_name_list(wire::NameKind::kChecksum, false));
  auto chosen = wire::negotiate_names(wire::NameKind::kChecksum, s.pro.client_checksum_list,
                                      s.pro.server_checksum_list);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, "xxh128");
  EXPECT_EQ(s.pro.seed, 32761);
}

TEST_F(GoldenTest, DeltaItemizeFirstFileListMatchesScenario) {
  Session s = load("pull-delta-itemize");
  flist::FlistDecoder d(options_for(s));
  ByteReader r{ByteSpan(s.s2c.data)};
  std::vector<FileEntry> list;
  Status st = read_list(d, r, 1, 32, &list);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_GE(list.size(), 5u);
  EXPECT_EQ(list[0].name, ".");
  EXPECT_EQ(list[0].user_name, "root");  // CF_ID0_NAMES: uid 0 travels with its name
  EXPECT_EQ(list[0].group_name, "root");
  int checked = 0;
  for (const FileEntry& e : list) {
    if (e.name == ".") continue;
    const json* t = tree_entry(s, e.name);
    ASSERT_NE(t, nullptr) << e.name;
    EXPECT_EQ(e.mode, std::stoul((*t)["mode"].get<std::string>(), nullptr, 8)) << e.name;
    if (!flist::is_dir(e.mode)) {
      EXPECT_EQ(e.mtime, (*t)["mtime"].get<int64_t>()) << e.name;
    }
    if (flist::is_reg(e.mode)) {
      EXPECT_EQ(e.size, (*t)["size"].get<int64_t>()) << e.name;
    }
    if (flist::is_lnk(e.mode) && t->contains("link_target")) {
      EXPECT_EQ(e.link_target, (*t)["link_target"].get<std::string>()) << e.name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(list.size()) - 1);
}

// crsync's encoder, given the entries in the order upstream sent them,
// writes upstream's bytes: flags, prefix compression, every field, the end
// marker (non-incremental lists: no names inside entries).
class GoldenEncoderTest : public GoldenTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(GoldenEncoderTest, ReencodedFirstListIsByteIdentical) {
  Session s = load(GetParam());
  const flist::FlistOptions o = options_for(s);
  flist::FlistDecoder d(o);
  ByteReader r{ByteSpan(s.s2c.data)};
  std::vector<FileEntry> wire_order;
  flist::FlistDecoder::Item it;
  for (;;) {
    ASSERT_TRUE(d.next(r, wire_order, 0, &it).ok());
    if (it.end) break;
    wire_order.push_back(it.entry);
  }
  const size_t list_bytes = r.pos();
  flist::FlistEncoder enc(o);
  enc.inline_names = s.pro.compat_flags & wire::kCfIncRecurse;
  ByteWriter w;
  for (size_t i = 0; i < wire_order.size(); ++i) {
    const FileEntry& e = wire_order[i];
    flist::EntryRole role;
    if (flist::is_dir(e.mode)) {
      role.top_dir = e.xflags & wire::kXmitTopDir;
      role.content_dir = s.text.protocol < 30 || !(e.xflags & wire::kXmitNoContentDir);
    }
    role.mod_nsec = e.mtime_nsec != 0;
    enc.put_entry(w, e, role, static_cast<int32_t>(i), 0);
  }
  enc.put_end(w, 0, false);
  ASSERT_EQ(w.size(), list_bytes);
  const ByteSpan want(s.s2c.data.data(), list_bytes);
  for (size_t i = 0; i < list_bytes; ++i)
    ASSERT_EQ(w.bytes()[i], want[i]) << GetParam() << ": first difference at byte " << i;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenEncoderTest,
                         ::testing::Values("pull-a-p32-noinc", "pull-a-p30", "pull-a-p29",
                                           "pull-a-p28"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// Walks the generator's requests (client -> server) to the first file sent
// with block sums, and recomputes its sum head and every block's rolling and
// strong sum from the basis file: xxh128 seeded with 32761, truncated.
TEST_F(GoldenTest, DeltaItemizeFirstSumHeadRecomputes) {
  Session s = load("pull-delta-itemize");
  flist::FlistDecoder d(options_for(s));
  ByteReader fr{ByteSpan(s.s2c.data)};
  std::vector<FileEntry> first;
  ASSERT_TRUE(read_list(d, fr, 1, 32, &first).ok());

  ByteReader r{ByteSpan(s.c2s.data)};
  int32_t filter_end = -1;
  ASSERT_TRUE(wire::get_int32(r, &filter_end).ok());
  EXPECT_EQ(filter_end, 0);  // the client receiver's (empty) filter list
  wire::NdxDecoder nd(32);
  int verified_files = 0;
  while (verified_files == 0) {
    int32_t ndx = 0;
    ASSERT_TRUE(nd.get(r, &ndx).ok());
    if (ndx < 0) continue;
    uint16_t iflags = 0;
    ASSERT_TRUE(wire::get_int16(r, &iflags).ok());
    ASSERT_FALSE(iflags & (wire::kItemBasisTypeFollows | wire::kItemXnameFollows));
    if (!(iflags & wire::kItemTransfer)) continue;
    ASSERT_GE(ndx, 1);
    ASSERT_LT(static_cast<size_t>(ndx - 1), first.size())
        << "ndx " << ndx << " beyond the first list";
    const FileEntry& e = first[static_cast<size_t>(ndx - 1)];
    checksum::SumHead h;
    ASSERT_TRUE(wire::get_int32(r, &h.count).ok());
    ASSERT_TRUE(wire::get_int32(r, &h.blength).ok());
    ASSERT_TRUE(wire::get_int32(r, &h.s2length).ok());
    ASSERT_TRUE(wire::get_int32(r, &h.remainder).ok());
    ASSERT_TRUE(checksum::check_sum_head(h, 32, 16).ok());
    const fs::path basis = fixtures_ / "basis" / e.name;
    if (h.count == 0) {
      EXPECT_FALSE(fs::exists(basis)) << e.name << " has a basis but was sent no sums";
      continue;
    }
    const std::string data = read_file(basis);
    const checksum::SumHead want =
        checksum::sum_sizes_sqroot(static_cast<int64_t>(data.size()), {});
    EXPECT_EQ(h.count, want.count) << e.name;
    EXPECT_EQ(h.blength, want.blength) << e.name;
    EXPECT_EQ(h.s2length, want.s2length) << e.name;
    EXPECT_EQ(h.remainder, want.remainder) << e.name;
    checksum::BlockSummer summer(ChecksumType::kXxh3_128, 32761, true);
    for (int32_t b = 0; b < h.count; ++b) {
      const size_t off = static_cast<size_t>(b) * static_cast<size_t>(h.blength);
      const size_t len = std::min<size_t>(static_cast<size_t>(h.blength), data.size() - off);
      const ByteSpan block = as_bytes(std::string_view(data).substr(off, len));
      int32_t sum1 = 0;
      ASSERT_TRUE(wire::get_int32(r, &sum1).ok());
      EXPECT_EQ(static_cast<uint32_t>(sum1), checksum::RollingSum::compute(block))
          << e.name << " block " << b;
      ByteSpan sum2;
      ASSERT_TRUE(r.take(static_cast<size_t>(h.s2length), &sum2).ok());
      uint8_t full[16];
      summer.sum2(block, full);
      EXPECT_TRUE(std::equal(sum2.begin(), sum2.end(), full)) << e.name << " block " << b;
    }
    ++verified_files;
  }
  EXPECT_EQ(verified_files, 1);
}

// What a walk over one direction's phase-0 stream found.
struct FileSeen {
  std::string name;
  checksum::SumHead head;
  Bytes sums;         // generator side: count x (4 + s2length) bytes
  std::string data;   // sender side: the reconstructed file
  Bytes file_sum;     // sender side: the whole-file checksum sent
  Bytes tokens;       // sender side: the token stream as sent, end marker included
  size_t blocks = 0;  // sender side: block references in it
};

struct Walk {
  std::map<int32_t, FileEntry> by_ndx;
  std::vector<FileSeen> files;
};

// Walks the sender's stream (server -> client in a pull) through phase 0:
// file lists (the first, then incremental sub-lists), and for each
// transferred file its echoed sum head, token stream (literals and block
// references resolved against the basis) and whole-file checksum. Mirrors
// upstream send_files: under inc_recurse each NDX_DONE retires one list
// until the last, which ends the phase. With `cr` the token streams are the
// compressed ones (-z), decoded as a receiver does: one reader for the
// session, each matched block fed back with see_block.
Status walk_sender(GoldenTest::Session& s, const fs::path& fixtures, int sum_len, Walk* w,
                   delta::CompressedTokenReader* cr = nullptr) {
  const int proto = s.text.protocol;
  const bool inc = s.pro.compat_flags & wire::kCfIncRecurse;
  flist::FlistDecoder d(GoldenTest::options_for(s));
  ByteReader r{ByteSpan(s.s2c.data)};
  int32_t next_start = inc ? 1 : 0;
  int live_lists = 0;
  const auto take_list = [&]() -> Status {
    std::vector<FileEntry> l;
    CRSYNC_RETURN_IF_ERROR(read_list(d, r, next_start, proto, &l));
    for (size_t i = 0; i < l.size(); ++i) w->by_ndx[next_start + static_cast<int32_t>(i)] = l[i];
    next_start += static_cast<int32_t>(l.size()) + 1;
    ++live_lists;
    return Status::Ok();
  };
  CRSYNC_RETURN_IF_ERROR(take_list());
  if (!inc) {
    flist::IdListOptions io{proto, true, true, (s.pro.compat_flags & wire::kCfId0Names) != 0};
    flist::IdLists ids;
    CRSYNC_RETURN_IF_ERROR(flist::read_id_lists(r, io, &ids));
  }
  if (proto < 30) {
    int32_t io_error = -1;
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &io_error));
    if (io_error != 0) return Status::Protocol("io_error " + std::to_string(io_error));
  }
  wire::NdxDecoder nd(proto);
  while (true) {
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(nd.get(r, &ndx));
    if (ndx == wire::kNdxDone) {
      if (inc && live_lists > 1) {
        --live_lists;
        continue;
      }
      return Status::Ok();
    }
    if (ndx == wire::kNdxFlistEof) continue;
    if (ndx <= wire::kNdxFlistOffset) {
      CRSYNC_RETURN_IF_ERROR(take_list());
      continue;
    }
    uint16_t iflags = wire::kItemTransfer;
    if (proto >= 29) CRSYNC_RETURN_IF_ERROR(wire::get_int16(r, &iflags));
    if (iflags & (wire::kItemBasisTypeFollows | wire::kItemXnameFollows))
      return Status::Protocol("unexpected basis type / xname");
    if (!(iflags & wire::kItemTransfer)) continue;
    if (!w->by_ndx.count(ndx)) return Status::Protocol("unknown ndx " + std::to_string(ndx));
    FileSeen f;
    f.name = w->by_ndx[ndx].name;
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.count));
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.blength));
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.s2length));
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.remainder));
    const std::string basis =
        f.head.count ? GoldenTest::read_file(fixtures / "basis" / f.name) : std::string();
    const size_t tokens_start = r.pos();
    while (cr) {
      delta::Token t;
      CRSYNC_RETURN_IF_ERROR(cr->get(r, f.head.count, &t));
      if (t.kind == delta::Token::Kind::kEnd) break;
      if (t.kind == delta::Token::Kind::kLiteral) {
        f.data.append(as_chars(t.literal));
        continue;
      }
      const size_t off = static_cast<size_t>(t.block) * static_cast<size_t>(f.head.blength);
      const size_t len = (t.block == f.head.count - 1 && f.head.remainder)
                             ? static_cast<size_t>(f.head.remainder)
                             : static_cast<size_t>(f.head.blength);
      if (off + len > basis.size()) return Status::Protocol("block beyond the basis");
      const std::string_view block = std::string_view(basis).substr(off, len);
      f.data.append(block);
      CRSYNC_RETURN_IF_ERROR(cr->see_block(as_bytes(block)));
      ++f.blocks;
    }
    while (!cr) {
      int32_t t = 0;
      CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &t));
      if (t == 0) break;
      if (t > 0) {
        if (t > wire::kChunkSize) return Status::Protocol("literal run too long");
        ByteSpan chunk;
        CRSYNC_RETURN_IF_ERROR(r.take(static_cast<size_t>(t), &chunk));
        f.data.append(as_chars(chunk));
        continue;
      }
      const int64_t block = -(int64_t{t} + 1);
      if (block >= f.head.count) return Status::Protocol("block reference out of range");
      const size_t off = static_cast<size_t>(block) * static_cast<size_t>(f.head.blength);
      const size_t len = (block == f.head.count - 1 && f.head.remainder)
                             ? static_cast<size_t>(f.head.remainder)
                             : static_cast<size_t>(f.head.blength);
      f.data.append(basis.substr(off, len));
      ++f.blocks;
    }
    f.tokens.assign(s.s2c.data.begin() + static_cast<std::ptrdiff_t>(tokens_start),
                    s.s2c.data.begin() + static_cast<std::ptrdiff_t>(r.pos()));
    ByteSpan sum;
    CRSYNC_RETURN_IF_ERROR(r.take(static_cast<size_t>(sum_len), &sum));
    f.file_sum.assign(sum.begin(), sum.end());
    w->files.push_back(std::move(f));
  }
}

// Walks the generator's stream (client -> server in a pull) through phase 0:
// each requested file's sum head and block sums.
Status walk_generator(GoldenTest::Session& s, const Walk& sender, Walk* w) {
  const int proto = s.text.protocol;
  const bool inc = s.pro.compat_flags & wire::kCfIncRecurse;
  ByteReader r{ByteSpan(s.c2s.data)};
  int32_t filter_end = -1;
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &filter_end));
  if (filter_end != 0) return Status::Protocol("expected an empty filter list");
  wire::NdxDecoder nd(proto);
  // The generator finishes one list per NDX_DONE under inc_recurse, and the
  // number of lists is what the sender walk saw.
  int lists = 0;
  for (const auto& [ndx, e] : sender.by_ndx) {
    (void)e;
    if (!sender.by_ndx.count(ndx - 1)) ++lists;
  }
  int dones = 0;
  while (true) {
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(nd.get(r, &ndx));
    if (ndx == wire::kNdxDone) {
      if (inc && ++dones < lists) continue;
      return Status::Ok();
    }
    if (ndx < 0) continue;
    uint16_t iflags = wire::kItemTransfer;
    if (proto >= 29) CRSYNC_RETURN_IF_ERROR(wire::get_int16(r, &iflags));
    if (!(iflags & wire::kItemTransfer)) continue;
    auto it = sender.by_ndx.find(ndx);
    if (it == sender.by_ndx.end()) return Status::Protocol("unknown ndx " + std::to_string(ndx));
    FileSeen f;
    f.name = it->second.name;
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.count));
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.blength));
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.s2length));
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(r, &f.head.remainder));
    ByteSpan sums;
    CRSYNC_RETURN_IF_ERROR(r.take(
        static_cast<size_t>(f.head.count) * (4 + static_cast<size_t>(f.head.s2length)), &sums));
    f.sums.assign(sums.begin(), sums.end());
    w->files.push_back(std::move(f));
  }
}

struct SumCase {
  const char* scenario;
  ChecksumType sum;  // the transfer checksum both sides use
  bool proper_seed_order;
};

class GoldenSumsTest : public GoldenTest, public ::testing::WithParamInterface<SumCase> {};

// Every file of the scenario: the sender's reconstructed data equals the
// source file; its whole-file checksum is what crsync computes for the
// algorithm and protocol; and every generator sum head and block sum
// (rolling + seeded strong sum) recomputes from the basis.
TEST_P(GoldenSumsTest, EveryFileRecomputes) {
  const SumCase c = GetParam();
  Session s = load(c.scenario);
  const int proto = s.text.protocol;
  Walk sender;
  Status st = walk_sender(s, fixtures_, checksum::digest_len(c.sum), &sender);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_GT(sender.files.size(), 50u);
  for (const FileSeen& f : sender.files) {
    EXPECT_EQ(f.data, read_file(fixtures_ / "src" / f.name)) << f.name;
    checksum::FileSum fsum(c.sum, s.pro.seed);
    fsum.update(as_bytes(f.data));
    uint8_t want[64];
    const int n = fsum.finish(want);
    EXPECT_TRUE(std::equal(f.file_sum.begin(), f.file_sum.end(), want, want + n)) << f.name;
  }

  Walk gen;
  st = walk_generator(s, sender, &gen);
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(gen.files.size(), sender.files.size());
  size_t blocks = 0;
  for (const FileSeen& f : gen.files) {
    const fs::path basis = fixtures_ / "basis" / f.name;
    if (f.head.count == 0) continue;
    const std::string data = read_file(basis);
    checksum::SumSizeParams sp;
    sp.protocol = proto;
    const checksum::SumHead want =
        checksum::sum_sizes_sqroot(static_cast<int64_t>(data.size()), sp);
    EXPECT_EQ(f.head.count, want.count) << f.name;
    EXPECT_EQ(f.head.blength, want.blength) << f.name;
    EXPECT_EQ(f.head.s2length, want.s2length) << f.name;
    EXPECT_EQ(f.head.remainder, want.remainder) << f.name;
    checksum::BlockSummer summer(c.sum, s.pro.seed, c.proper_seed_order);
    ByteReader r{ByteSpan(f.sums)};
    for (int32_t b = 0; b < f.head.count; ++b) {
      const size_t off = static_cast<size_t>(b) * static_cast<size_t>(f.head.blength);
      const size_t len = std::min<size_t>(static_cast<size_t>(f.head.blength), data.size() - off);
      const ByteSpan block = as_bytes(std::string_view(data).substr(off, len));
      int32_t sum1 = 0;
      ASSERT_TRUE(wire::get_int32(r, &sum1).ok());
      EXPECT_EQ(static_cast<uint32_t>(sum1), checksum::RollingSum::compute(block))
          << f.name << " #" << b;
      ByteSpan sum2;
      ASSERT_TRUE(r.take(static_cast<size_t>(f.head.s2length), &sum2).ok());
      uint8_t full[64];
      summer.sum2(block, full);
      EXPECT_TRUE(std::equal(sum2.begin(), sum2.end(), full)) << f.name << " #" << b;
      ++blocks;
    }
  }
  if (std::string_view(s.scenario["destination_start"].get<std::string>()) == "basis") {
    EXPECT_GT(blocks, 10u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, GoldenSumsTest,
    ::testing::Values(SumCase{"pull-a-p28", ChecksumType::kMd4Old, false},
                      SumCase{"pull-a-p29", ChecksumType::kMd4Old, false},
                      SumCase{"pull-a-p30", ChecksumType::kXxh3_128, true},
                      SumCase{"pull-a-p31", ChecksumType::kXxh3_128, true},
                      SumCase{"pull-a-p32", ChecksumType::kXxh3_128, true},
                      SumCase{"pull-a-p32-noinc", ChecksumType::kXxh3_128, true},
                      SumCase{"pull-delta-itemize", ChecksumType::kXxh3_128, true},
                      SumCase{"pull-cc-md4", ChecksumType::kMd4, true},
                      SumCase{"pull-cc-md5", ChecksumType::kMd5, true},
                      SumCase{"pull-cc-xxh64", ChecksumType::kXxh64, true}),
    [](const ::testing::TestParamInfo<SumCase>& p) {
      std::string n = p.param.scenario;
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

// The -z scenarios. Every file's compressed token stream decodes (one reader
// for the session, zlib fed each matched block) to the source file. Then the
// sender side is replayed: crsync's matcher over the source file with the
// generator's signature, through one CompressedTokenWriter for the session.
// zstd 1.5.4 and lz4 1.9.4 are the libraries both the captures and this
// build use, so their streams must come out byte for byte. zlib must too for
// files without block references; files with them differ by design (no
// Z_INSERT_ONLY in the system zlib: the history is fed with a discarded sync
// flush), and only have to decode.
struct CompressCase {
  const char* scenario;
  wire::CompressType type;
};

class GoldenCompressedTest : public GoldenTest,
                             public ::testing::WithParamInterface<CompressCase> {};

TEST_P(GoldenCompressedTest, TokenStreamsDecodeAndReencode) {
  const CompressCase c = GetParam();
  Session s = load(c.scenario);
  const int proto = s.text.protocol;
  ASSERT_TRUE(arg_facts(s.text.args).compress);
  auto sum_name = wire::negotiate_names(wire::NameKind::kChecksum, s.pro.client_checksum_list,
                                        s.pro.server_checksum_list);
  ASSERT_TRUE(sum_name.ok());
  const auto sum = checksum::checksum_by_name(*sum_name);
  ASSERT_TRUE(sum.has_value());

  delta::CompressedTokenReader reader(c.type, proto);
  Walk sender;
  Status st = walk_sender(s, fixtures_, checksum::digest_len(*sum), &sender, &reader);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_GT(sender.files.size(), 50u);
  size_t blocks = 0, files_with_blocks = 0;
  int known_answers = 0;
  for (const FileSeen& f : sender.files) {
    EXPECT_EQ(f.data, read_file(fixtures_ / "src" / f.name)) << f.name;
    files_with_blocks += f.blocks != 0;
    checksum::FileSum fsum(*sum, s.pro.seed);
    fsum.update(as_bytes(f.data));
    uint8_t want[64];
    const int n = fsum.finish(want);
    EXPECT_TRUE(std::equal(f.file_sum.begin(), f.file_sum.end(), want, want + n)) << f.name;
    blocks += f.blocks;
    if (c.type == wire::CompressType::kZlib && f.name == "small.txt") {
      // The notes' example: one packet (sync flush tail dropped), END_FLAG.
      const Bytes golden = {0x40, 0x0e, 0xca, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x28,
                            0xcf, 0x2f, 0xca, 0x49, 0xe1, 0x02, 0x00, 0x00};
      EXPECT_EQ(f.tokens, golden);
      ++known_answers;
    }
  }
  EXPECT_GT(blocks, 10u);
  EXPECT_EQ(known_answers, c.type == wire::CompressType::kZlib ? 1 : 0);

  Walk gen;
  st = walk_generator(s, sender, &gen);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_EQ(gen.files.size(), sender.files.size());
  delta::CompressedTokenWriter writer(c.type, delta::kCompressLevelNotSpecified, proto);
  delta::CompressedTokenReader again(c.type, proto);
  size_t identical = 0, differing = 0, differing_without_blocks = 0;
  for (size_t i = 0; i < sender.files.size(); ++i) {
    const FileSeen& f = sender.files[i];
    const FileSeen& g = gen.files[i];
    ASSERT_EQ(f.name, g.name);
    delta::Signature sig;
    sig.head = g.head;
    ByteReader sr{ByteSpan(g.sums)};
    for (int32_t b = 0; b < g.head.count; ++b) {
      uint32_t s1 = 0;
      ASSERT_TRUE(sr.le32(&s1).ok());
      sig.sum1.push_back(s1);
      ByteSpan s2;
      ASSERT_TRUE(sr.take(static_cast<size_t>(g.head.s2length), &s2).ok());
      sig.sum2.insert(sig.sum2.end(), s2.begin(), s2.end());
    }
    const std::string src = read_file(fixtures_ / "src" / f.name);
    checksum::BlockSummer summer(*sum, s.pro.seed, true);
    checksum::FileSum fsum(*sum, s.pro.seed);
    Bytes out;
    delta::CompressedTokenSink sink(writer, [&](ByteSpan b) {
      out.insert(out.end(), b.begin(), b.end());
      return Status::Ok();
    });
    delta::match_file(as_bytes(src), sig, summer, fsum, sink);
    ASSERT_TRUE(sink.finish().ok());
    if (out == f.tokens) {
      ++identical;
    } else {
      ++differing;
      if (f.blocks == 0) ++differing_without_blocks;
      const auto d = std::mismatch(out.begin(), out.end(), f.tokens.begin(), f.tokens.end());
      std::printf("  differs: %s (%zu block references), from byte %td of %zu\n", f.name.c_str(),
                  f.blocks, d.first - out.begin(), f.tokens.size());
      if (c.type != wire::CompressType::kZlib || f.blocks == 0) {
        ADD_FAILURE() << f.name << ": re-encoded " << out.size() << " bytes vs " << f.tokens.size()
                      << " sent, first difference at " << (d.first - out.begin());
      }
    }
    // What crsync sends decodes to the file, by a session-long reader.
    const std::string basis = g.head.count ? read_file(fixtures_ / "basis" / f.name) : "";
    ByteReader rr{ByteSpan(out)};
    std::string data;
    for (;;) {
      delta::Token t;
      st = again.get(rr, g.head.count, &t);
      ASSERT_TRUE(st.ok()) << f.name << ": " << st.to_string();
      if (t.kind == delta::Token::Kind::kEnd) break;
      if (t.kind == delta::Token::Kind::kLiteral) {
        data.append(as_chars(t.literal));
        continue;
      }
      const std::string_view block =
          std::string_view(basis).substr(static_cast<size_t>(t.block) * g.head.blength,
                                         static_cast<size_t>(sig.block_len(t.block)));
      data.append(block);
      ASSERT_TRUE(again.see_block(as_bytes(block)).ok());
    }
    EXPECT_TRUE(rr.empty()) << f.name;
    EXPECT_EQ(data, src) << f.name;
  }
  EXPECT_EQ(differing_without_blocks, 0u);
  if (c.type != wire::CompressType::kZlib) {
    EXPECT_EQ(differing, 0u);
  }
  std::printf(
      "%s: %zu files (%zu with block references, %zu in all); re-encoded byte-identical: %zu, "
      "differing: %zu\n",
      c.scenario, sender.files.size(), files_with_blocks, blocks, identical, differing);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenCompressedTest,
                         ::testing::Values(CompressCase{"pull-z-zlib", wire::CompressType::kZlib},
                                           CompressCase{"pull-z-zstd", wire::CompressType::kZstd},
                                           CompressCase{"pull-z-lz4", wire::CompressType::kLz4}),
                         [](const ::testing::TestParamInfo<CompressCase>& p) {
                           std::string n = p.param.scenario;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace crsync::pcap
