#include "pcap/tcp_reassembly.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

namespace crsync::pcap {
namespace {

const Endpoint kClient{"127.0.0.1", 40000};
const Endpoint kServer{"127.0.0.1", 873};

TcpSegment seg(const Endpoint& from, const Endpoint& to, uint32_t seq, std::string_view data,
               uint8_t flags = kTcpAck) {
  static size_t frame = 0;
  TcpSegment s;
  s.frame = ++frame;
  s.src = from;
  s.dst = to;
  s.seq = seq;
  s.flags = flags;
  s.payload.assign(data.begin(), data.end());
  return s;
}

std::string str(ByteSpan b) {
  return std::string(b.begin(), b.end());
}

TEST(ReassemblerTest, HandlesRetransmitOverlapAndReorder) {
  Reassembler r;
  r.add(seg(kClient, kServer, 1000, "", kTcpSyn));
  r.add(seg(kServer, kClient, 5000, "", kTcpSyn | kTcpAck));
  r.add(seg(kClient, kServer, 1001, "hello "));
  r.add(seg(kClient, kServer, 1012, "!"));  // out of order
  r.add(seg(kClient, kServer, 1007, "world"));
  r.add(seg(kClient, kServer, 1001, "hello "));  // retransmission
  r.add(seg(kClient, kServer, 1010, "ld!"));     // overlap
  r.add(seg(kServer, kClient, 5001, "ok"));
  auto conns = r.finish();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].client, kClient);
  EXPECT_EQ(str(conns[0].c2s.data), "hello world!");
  EXPECT_EQ(str(conns[0].s2c.data), "ok");
  EXPECT_FALSE(conns[0].c2s.stats.gap);
  EXPECT_EQ(conns[0].c2s.stats.duplicate_bytes, 6u + 3u);
  EXPECT_GE(conns[0].c2s.stats.out_of_order, 1u);
}

TEST(ReassemblerTest, SequenceWraparound) {
  Reassembler r;
  r.add(seg(kClient, kServer, 0xFFFFFFFEu, "", kTcpSyn));
  r.add(seg(kClient, kServer, 0xFFFFFFFFu, "ab"));
  r.add(seg(kClient, kServer, 1, "cd"));
  auto conns = r.finish();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(str(conns[0].c2s.data), "abcd");
}

TEST(ReassemblerTest, GapStopsTheStream) {
  Reassembler r;
  r.add(seg(kClient, kServer, 100, "", kTcpSyn));
  r.add(seg(kClient, kServer, 101, "abc"));
  r.add(seg(kClient, kServer, 110, "xyz"));
  auto conns = r.finish();
  EXPECT_EQ(str(conns[0].c2s.data), "abc");
  EXPECT_TRUE(conns[0].c2s.stats.gap);
  EXPECT_EQ(conns[0].c2s.stats.gap_offset, 3u);
}

TEST(ReassemblerTest, SeparatesConnections) {
  Reassembler r;
  const Endpoint c2{"::1", 40001};
  const Endpoint s2{"::1", 873};
  r.add(seg(kClient, kServer, 1, "", kTcpSyn));
  r.add(seg(c2, s2, 7, "", kTcpSyn));
  r.add(seg(c2, s2, 8, "six"));
  r.add(seg(kClient, kServer, 2, "four"));
  auto conns = r.finish();
  ASSERT_EQ(conns.size(), 2u);
  EXPECT_EQ(str(conns[0].c2s.data), "four");
  EXPECT_EQ(str(conns[1].c2s.data), "six");
  EXPECT_EQ(conns[1].server.to_string(), "[::1]:873");
}

// Any split of a stream into segments, delivered in any order with
// duplicates, reassembles to the stream.
RC_GTEST_PROP(ReassemblerProp, AnySegmentationAndOrder, (std::string data)) {
  RC_PRE(!data.empty());
  const uint32_t isn = *rc::gen::arbitrary<uint32_t>();
  std::vector<TcpSegment> segs;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t n = *rc::gen::inRange<size_t>(1, data.size() - pos + 1);
    segs.push_back(seg(kClient, kServer, isn + 1 + static_cast<uint32_t>(pos),
                       std::string_view(data).substr(pos, n)));
    if (*rc::gen::inRange(0, 4) == 0) segs.push_back(segs.back());
    pos += n;
  }
  std::mt19937 rng(*rc::gen::arbitrary<uint32_t>());
  std::shuffle(segs.begin(), segs.end(), rng);
  Reassembler r;
  r.add(seg(kClient, kServer, isn, "", kTcpSyn));
  for (auto& s : segs) r.add(std::move(s));
  auto conns = r.finish();
  RC_ASSERT(conns.size() == 1u);
  RC_ASSERT(str(conns[0].c2s.data) == data);
}

// The same through temporary files (every spool spills): the stream is the
// mapped log when segments came in order, a rebuilt file when they did not.
RC_GTEST_PROP(ReassemblerProp, AnySegmentationAndOrderThroughFiles,
              (std::string data, bool shuffle)) {
  RC_PRE(!data.empty());
  ::setenv("CRSYNC_PCAP_SPILL_BYTES", "0", 1);
  std::vector<TcpSegment> segs;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t n = *rc::gen::inRange<size_t>(1, data.size() - pos + 1);
    segs.push_back(seg(kClient, kServer, 1001 + static_cast<uint32_t>(pos),
                       std::string_view(data).substr(pos, n)));
    pos += n;
  }
  if (shuffle)
    std::shuffle(segs.begin(), segs.end(), std::mt19937(*rc::gen::arbitrary<uint32_t>()));
  Reassembler r;
  r.add(seg(kClient, kServer, 1000, "", kTcpSyn));
  for (auto& s : segs) r.add(std::move(s));
  auto conns = r.finish();
  ::unsetenv("CRSYNC_PCAP_SPILL_BYTES");
  RC_ASSERT(conns.size() == 1u);
  RC_ASSERT(conns[0].c2s.data.mapped());
  RC_ASSERT(str(conns[0].c2s.data) == data);
}

}  // namespace
}  // namespace crsync::pcap
