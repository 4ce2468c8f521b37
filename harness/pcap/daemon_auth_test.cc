// The auth response recomputed from the recorded challenge of the golden
// pull-auth-ok session and the scenario's password is the response the
// 3.4.1 client sent.
#include "pcap/daemon_auth.h"

#include <gtest/gtest.h>

#include "pcap/capture_loader.h"

namespace crsync::pcap {
namespace {

TEST(DaemonAuth, RecomputesTheRecordedResponse) {
  LoadedSession s;
  ASSERT_TRUE(
      load_session(std::string(CRSYNC_GOLDEN_DIR) + "/scenarios/pull-auth-ok/capture.pcap", "", &s)
          .ok());
  const DaemonText& t = s.dissection.text;
  ASSERT_FALSE(t.auth_challenge.empty());
  auto r = daemon_auth_response(t.server_greeting, "secret", t.auth_challenge);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ("alice " + *r, t.auth_response);
  EXPECT_EQ(r->size(), 86u);  // sha512, base64 without padding
  auto wrong = daemon_auth_response(t.server_greeting, "Secret", t.auth_challenge);
  ASSERT_TRUE(wrong.ok());
  EXPECT_NE("alice " + *wrong, t.auth_response);
  // A greeting without a digest list: md5 (22 characters).
  auto md5 = daemon_auth_response("@RSYNCD: 30.0", "secret", t.auth_challenge);
  ASSERT_TRUE(md5.ok());
  EXPECT_EQ(md5->size(), 22u);
}

}  // namespace
}  // namespace crsync::pcap
