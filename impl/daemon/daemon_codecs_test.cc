// Unit tests of the daemon's pure codecs: greeting, auth digests and
// responses, host matching, argument decoding and path sanitizing,
// refused options.
#include <gtest/gtest.h>

#include "daemon/access.h"
#include "daemon/auth.h"
#include "daemon/greeting.h"
#include "daemon/module_args.h"
#include "daemon/refuse.h"

namespace crsync::daemon {
namespace {

using checksum::ChecksumType;

TEST(GreetingTest, LineAndParse) {
  EXPECT_EQ(greeting_line(32), "@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4\n");
  auto g = parse_greeting("@RSYNCD: 31.0 md5 md4", false);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->protocol, 31);
  EXPECT_EQ(*g->digests, "md5 md4");
  EXPECT_EQ(negotiated_protocol(32, *g), 31);
  auto old = parse_greeting("@RSYNCD: 29", false);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->digests.has_value());
  EXPECT_EQ(negotiated_protocol(32, *old), 29);
}

TEST(GreetingTest, UpstreamRefusals) {
  EXPECT_EQ(parse_greeting("hello", false).status().message(), "@ERROR: protocol startup error");
  EXPECT_EQ(parse_greeting("@RSYNCD: 30", false).status().message(),
            "@ERROR: your client omitted the subprotocol value: @RSYNCD: 30");
  EXPECT_EQ(parse_greeting("@RSYNCD: 32.0", false).status().message(),
            "@ERROR: your client omitted the digest name list: @RSYNCD: 32.0");
  EXPECT_EQ(parse_greeting("junk", true).status().message(),
            "rsync: server sent \"junk\" rather than greeting");
  // A pre-release sub-protocol lowers the version by one.
  PeerGreeting pre{32, 1, std::string("md5")};
  EXPECT_EQ(negotiated_protocol(32, pre), 31);
}

TEST(GreetingTest, TakeLineNeedsNewlineAndBoundsLength) {
  const std::string in = "abc\r\ndef";
  ByteReader r(as_bytes(in));
  std::string l;
  ASSERT_TRUE(take_line(r, 100, &l).ok());
  EXPECT_EQ(l, "abc");
  EXPECT_TRUE(take_line(r, 100, &l).need_more());
  const std::string big(200, 'x');
  ByteReader r2(as_bytes(big));
  EXPECT_TRUE(take_line(r2, 100, &l).is_error());
}

TEST(AuthTest, DigestChoice) {
  EXPECT_EQ(*server_auth_digest(std::string("sha256 md5"), 32), ChecksumType::kSha256);
  EXPECT_EQ(*server_auth_digest(std::string("xxx md4"), 32), ChecksumType::kMd4);
  EXPECT_EQ(*server_auth_digest(std::nullopt, 30), ChecksumType::kMd5);
  EXPECT_EQ(*server_auth_digest(std::nullopt, 29), ChecksumType::kMd4Old);
  EXPECT_FALSE(server_auth_digest(std::string("xxx"), 32).ok());
  EXPECT_EQ(*client_auth_digest(std::string("md5 sha1"), 32), ChecksumType::kSha1);
  EXPECT_EQ(*client_auth_digest(std::nullopt, 29), ChecksumType::kMd4Old);
}

TEST(AuthTest, Base64WithoutPadding) {
  const uint8_t d[] = {'f', 'o', 'o', 'b'};
  EXPECT_EQ(base64_nopad(d, 3), "Zm9v");
  EXPECT_EQ(base64_nopad(d, 4), "Zm9vYg");
}

TEST(AuthTest, ResponseIsDigestOfPasswordAndChallenge) {
  // base64(md5("secretabc")) computed independently with Python's hashlib.
  EXPECT_EQ(auth_response("secret", "abc", ChecksumType::kMd5), "xCuToaw7OC6IBxUQKWqWzg");
  // The old md4 form hashes four zero bytes first: it differs from md4.
  EXPECT_NE(auth_response("secret", "abc", ChecksumType::kMd4Old),
            auth_response("secret", "abc", ChecksumType::kMd4));
  EXPECT_EQ(auth_response("secret", "abc", ChecksumType::kSha512).size(), 86u);
}

TEST(AuthTest, RulesAndSecrets) {
  const auto d = ChecksumType::kSha1;
  const std::string ch = make_challenge("127.0.0.1", d);
  const std::string good = auth_response("pw", ch, d);
  const auto rules = parse_auth_users("alice:rw, bob:deny ro*:RO @staff");
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].opt, 'w');
  EXPECT_EQ(rules[1].opt, 'd');
  EXPECT_EQ(rules[2].opt, 'r');
  EXPECT_TRUE(rules[3].group);
  const std::string secrets = "#alice:x\nalice:pw\nrose:pw\n@staff:gpw\n";
  EXPECT_EQ(check_auth(rules, "alice", good, {}, secrets, "", ch, d).error, "");
  EXPECT_EQ(check_auth(rules, "alice", "bad", {}, secrets, "", ch, d).error, "password mismatch");
  EXPECT_EQ(check_auth(rules, "bob", good, {}, secrets, "", ch, d).error, "denied by rule");
  EXPECT_EQ(check_auth(rules, "carol", good, {}, secrets, "", ch, d).error, "no matching rule");
  const auto ro = check_auth(rules, "rose", good, {}, secrets, "", ch, d);
  EXPECT_EQ(ro.error, "");
  EXPECT_EQ(ro.opt, 'r');
  EXPECT_EQ(check_auth(rules, "alice", good, {}, std::nullopt, "no secrets file", ch, d).error,
            "no secrets file");
  EXPECT_EQ(
      check_auth(rules, "dave", auth_response("gpw", ch, d), {"staff"}, secrets, "", ch, d).error,
      "");
}

TEST(AccessTest, AddressesMasksAndLists) {
  EXPECT_TRUE(match_address("10.1.2.3", "10.1.2.3"));
  EXPECT_TRUE(match_address("10.1.2.3", "10.0.0.0/8"));
  EXPECT_FALSE(match_address("11.1.2.3", "10.0.0.0/8"));
  EXPECT_TRUE(match_address("10.1.2.3", "10.1.0.0/255.255.0.0"));
  EXPECT_TRUE(match_address("::1", "::1/128"));
  EXPECT_FALSE(match_address("::1", "127.0.0.1"));
  EXPECT_TRUE(match_address("1.2.3.4", "9.9.9.9/0"));
  std::string host = "box.example.org";
  EXPECT_TRUE(allow_access("*.example.org", "", "10.0.0.1", &host, false));
  EXPECT_FALSE(allow_access("127.0.0.1", "", "10.0.0.1", &host, false));
  EXPECT_TRUE(allow_access("", "10.0.0.2", "10.0.0.1", &host, false));
  EXPECT_FALSE(allow_access("", "10.0.0.0/24", "10.0.0.1", &host, false));
  EXPECT_TRUE(allow_access("10.0.0.1", "10.0.0.0/24", "10.0.0.1", &host, false));
}

TEST(ModuleArgsTest, DecodeNulAndNewlineForms) {
  const std::string nul("--server\0-r\0.\0mod/x\0\0trailing", 26);
  ByteReader r(as_bytes(nul));
  ArgsDecoder d(true);
  ASSERT_TRUE(d.feed(r).ok());
  ASSERT_TRUE(d.done());
  EXPECT_EQ(d.args(), (std::vector<std::string>{"--server", "-r", ".", "mod/x"}));
  const std::string nl = "--server\r\n.\nmod\n\n";
  ByteReader r2(as_bytes(nl));
  ArgsDecoder d2(false);
  ASSERT_TRUE(d2.feed(r2).ok());
  EXPECT_EQ(d2.args(), (std::vector<std::string>{"--server", ".", "mod"}));
  const std::string endless(kMaxArgLen + 10, 'a');
  ByteReader r3(as_bytes(endless));
  ArgsDecoder d3(true);
  EXPECT_TRUE(d3.feed(r3).is_error());
}

TEST(ModuleArgsTest, PathsStayInsideTheModule) {
  EXPECT_EQ(sanitize_path("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(sanitize_path("../../etc"), "etc");
  EXPECT_EQ(sanitize_path("a/../../b"), "b");
  EXPECT_EQ(sanitize_path("a/./b/"), "a/./b/");
  EXPECT_EQ(sanitize_path(""), ".");
  EXPECT_EQ(sanitize_path("a//b/.."), "a/");
  EXPECT_EQ(module_paths("mod", {"mod/a mod/b", "mod/", "mod/../x"}, true),
            (std::vector<std::string>{"a", "b", ".", "x"}));
  EXPECT_EQ(clean_path("/../a/./b/../c/"), "/a/./c/");  // "." kept: the -R marker
}

// A basis directory (--link-dest and its kin) may climb as many levels as
// the destination lies inside the module (upstream sanitize_path's depth).
TEST(ModuleArgsTest, BasisDirectoriesClimbNoHigherThanTheDestination) {
  EXPECT_EQ(sanitize_path("../prev", 1), "../prev");
  EXPECT_EQ(sanitize_path("../../prev", 1), "../prev");
  EXPECT_EQ(sanitize_path("../../../../prev", 2), "../../prev");
  EXPECT_EQ(sanitize_path("../prev", 0), "prev");
  EXPECT_EQ(sanitize_path("a/../../x", 1), "../x");  // back at the start: may climb
  EXPECT_EQ(sanitize_path("a/b/../../../../x", 1), "../x");
  EXPECT_EQ(sanitize_path("./p//q/./", 3), "p/q/");
  EXPECT_EQ(sanitize_path("/abs/../../x", 2), "x");  // a leading '/' is dropped
  EXPECT_EQ(sanitize_path("..", 0), ".");
}

TEST(RefuseTest, UpstreamRules) {
  EXPECT_EQ(*refused_option("delete", {"--server", "-r", "--delete-during"}),
            "The server is configured to refuse --delete");
  EXPECT_EQ(*refused_option("delete*", {"--server", "-r", "--delete-during"}),
            "The server is configured to refuse --delete-during");
  EXPECT_EQ(*refused_option("c", {"--server", "-rce.iLsfxCIvu"}),
            "The server is configured to refuse --checksum (-c)");
  EXPECT_EQ(*refused_option("compress", {"--server", "-rze.iLsfxCIvu"}),
            "The server is configured to refuse --compress (-z)");
  EXPECT_EQ(*refused_option("a", {"--server", "-logDtpre.iLsfxCIvu"}),
            "The server is configured to refuse --links (-l)");
  EXPECT_FALSE(refused_option("*", {"--server", "-ne.iLsfxCIvu", "--sender"}).has_value());
  EXPECT_FALSE(refused_option("delete !delete", {"--server", "--delete"}).has_value());
  EXPECT_FALSE(refused_option("", {"--server", "-r"}).has_value());
  EXPECT_TRUE(refused_option("", {"--server", "--log-file=/x"}).has_value());
}

}  // namespace
}  // namespace crsync::daemon
