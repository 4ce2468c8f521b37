#include "base/status.h"

#include <gtest/gtest.h>

#include "base/check.h"

namespace crsync {
namespace {

TEST(StatusTest, OkIsCheapAndCarriesCodeZero) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.exit_status(), 0);
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(StatusTest, ErrorCarriesExitCodeAndMessage) {
  Status s = Status::Error(ExitCode::kPartial, "some files failed");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.is_error());
  EXPECT_EQ(s.exit_status(), 23);
  EXPECT_EQ(s.message(), "some files failed");
  Status copy = s;
  EXPECT_EQ(copy.exit_status(), 23);
}

TEST(StatusTest, NeedMoreBecomesStreamErrorAtEof) {
  Status s = Status::NeedMore();
  EXPECT_TRUE(s.need_more());
  EXPECT_FALSE(s.is_error());
  Status eof = s.at_eof("file list");
  EXPECT_TRUE(eof.is_error());
  EXPECT_EQ(eof.exit_status(), 12);
  EXPECT_NE(eof.message().find("file list"), std::string_view::npos);
}

Status checked(int n) {
  CRSYNC_PEER_CHECK(n >= 0, ExitCode::kProtocol, "negative count");
  return Status::Ok();
}

TEST(StatusTest, PeerCheckReturnsProtocolError) {
  EXPECT_TRUE(checked(1).ok());
  Status s = checked(-1);
  EXPECT_EQ(s.exit_status(), 2);
  EXPECT_EQ(s.message(), "negative count");
}

Result<int> half(int n) {
  if (n % 2) return Status::Error(ExitCode::kSyntax, "odd");
  return n / 2;
}

Status use_half(int n, int* out) {
  CRSYNC_ASSIGN_OR_RETURN(*out, half(n));
  return Status::Ok();
}

TEST(StatusTest, ResultPropagates) {
  int v = 0;
  EXPECT_TRUE(use_half(8, &v).ok());
  EXPECT_EQ(v, 4);
  EXPECT_EQ(use_half(3, &v).exit_status(), 1);
}

TEST(StatusDeathTest, AssertAbortsOnOwnBug) {
  EXPECT_DEATH({ CRSYNC_ASSERT(1 + 1 == 3); }, "internal error");
}

TEST(ExitCodeTest, TextsMatchUpstream) {
  EXPECT_STREQ(exit_code_text(ExitCode::kStreamIo), "error in rsync protocol data stream");
  EXPECT_STREQ(exit_code_text(ExitCode::kPartial),
               "some files/attrs were not transferred (see previous errors)");
}

}  // namespace
}  // namespace crsync
