#include "wire/mplex.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crsync::wire {
namespace {

constexpr MplexEndpoint kClientReceiver{/*am_server=*/false, /*am_sender=*/false, false};
constexpr MplexEndpoint kServerSender{/*am_server=*/true, /*am_sender=*/true, false};

TEST(MplexTest, HeaderLayout) {
  ByteWriter w;
  const uint8_t payload[] = {'a', 'b', 'c', 'd', 'e'};
  put_mplex_frame(w, MsgCode::kData, ByteSpan(payload));
  EXPECT_EQ(w.bytes(), (Bytes{0x05, 0x00, 0x00, 0x07, 'a', 'b', 'c', 'd', 'e'}));
  ByteWriter x;
  put_mplex_header(x, MsgCode::kErrorExit, 4);
  EXPECT_EQ(x.bytes(), (Bytes{0x04, 0x00, 0x00, 7 + 86}));
}

TEST(MplexTest, TagBelowBaseIsUnexpected) {
  const uint8_t raw[] = {0x00, 0x00, 0x00, 0x06};
  ByteReader r{ByteSpan(raw)};
  MplexHeader h;
  Status s = get_mplex_header(r, &h);
  EXPECT_EQ(s.exit_status(), 12);
  EXPECT_NE(s.message().find("unexpected tag"), std::string_view::npos);
}

TEST(MplexTest, RolesAndLengthsAreEnforced) {
  // A client receiver may get log text and IO_ERROR from a server sender.
  EXPECT_TRUE(check_incoming_frame({2, 10}, kClientReceiver, 32).ok());
  EXPECT_TRUE(check_incoming_frame({22, 4}, kClientReceiver, 32).ok());
  EXPECT_EQ(check_incoming_frame({22, 3}, kClientReceiver, 32).exit_status(), 12);
  // Internal pipe messages never belong on the socket.
  EXPECT_EQ(check_incoming_frame({9, 4}, kClientReceiver, 32).exit_status(), 12);
  EXPECT_EQ(check_incoming_frame({10, 8}, kServerSender, 32).exit_status(), 12);
  // A server does not take log messages from its client.
  EXPECT_EQ(check_incoming_frame({2, 10}, kServerSender, 32).exit_status(), 12);
  // MSG_SUCCESS goes from the receiving side to the sender.
  EXPECT_TRUE(check_incoming_frame({100, 4}, kServerSender, 32).ok());
  EXPECT_EQ(check_incoming_frame({100, 4}, kClientReceiver, 32).exit_status(), 12);
  // MSG_ERROR_EXIT: 4 bytes (code) or 0 (ack).
  EXPECT_TRUE(check_incoming_frame({86, 0}, kServerSender, 32).ok());
  EXPECT_TRUE(check_incoming_frame({86, 4}, kServerSender, 32).ok());
  EXPECT_EQ(check_incoming_frame({86, 2}, kServerSender, 32).exit_status(), 12);
  // Undefined codes.
  EXPECT_EQ(check_incoming_frame({50, 0}, kServerSender, 32).exit_status(), 12);
  // Oversized text.
  EXPECT_EQ(check_incoming_frame({2, 100000}, kClientReceiver, 32).exit_status(), 12);
}

TEST(MplexTest, DecoderYieldsWholeFramesOnly) {
  ByteWriter w;
  const uint8_t a[] = {1, 2, 3};
  put_mplex_frame(w, MsgCode::kData, ByteSpan(a));
  put_mplex_frame(w, MsgCode::kInfo, as_bytes("hello\n"));
  const Bytes all = w.take();
  MplexDecoder d(kClientReceiver, 32);
  ByteReader part{ByteSpan(all.data(), 5)};
  MplexDecoder::Frame f;
  EXPECT_TRUE(d.next(part, &f).need_more());
  EXPECT_EQ(part.pos(), 0u);
  ByteReader r{ByteSpan(all)};
  ASSERT_TRUE(d.next(r, &f).ok());
  EXPECT_EQ(f.header.code, 0);
  EXPECT_EQ(f.payload.size(), 3u);
  ASSERT_TRUE(d.next(r, &f).ok());
  EXPECT_EQ(msg_name(f.header.code), "MSG_INFO");
  EXPECT_EQ(as_chars(f.payload), "hello\n");
  EXPECT_TRUE(r.empty());
}

RC_GTEST_PROP(MplexProp, FramesRoundTripThroughTheDecoder, ()) {
  const auto payloads = *rc::gen::container<std::vector<std::vector<uint8_t>>>(
      rc::gen::container<std::vector<uint8_t>>(*rc::gen::inRange<size_t>(0, 5000),
                                               rc::gen::arbitrary<uint8_t>()));
  ByteWriter w;
  for (const auto& p : payloads) put_mplex_frame(w, MsgCode::kData, ByteSpan(p));
  const Bytes all = w.take();
  MplexDecoder d(kClientReceiver, 32);
  ByteReader r{ByteSpan(all)};
  for (const auto& p : payloads) {
    MplexDecoder::Frame f;
    RC_ASSERT(d.next(r, &f).ok());
    RC_ASSERT(std::equal(f.payload.begin(), f.payload.end(), p.begin(), p.end()));
  }
  RC_ASSERT(r.empty());
}

RC_GTEST_PROP(MplexProp, GarbageIsRejectedOrNeedsMore, (std::vector<uint8_t> junk)) {
  MplexDecoder d(kClientReceiver, 32);
  ByteReader r{ByteSpan(junk)};
  MplexDecoder::Frame f;
  Status s;
  while ((s = d.next(r, &f)).ok()) {
    RC_ASSERT(f.payload.size() == f.header.length);
  }
  RC_ASSERT(s.need_more() || s.exit_status() == 12);
}

}  // namespace
}  // namespace crsync::wire
