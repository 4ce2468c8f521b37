#include "cli/server_args.h"

#include <gtest/gtest.h>

#include "cli/arg_parser.h"

namespace crsync::cli {
namespace {

std::vector<std::string> argv_for(std::vector<std::string> client, bool push, int proto = 32) {
  ParsedArgs p;
  EXPECT_TRUE(parse_args(client, &p).ok());
  return server_options(p.opts, push, proto, ".LsfxCIvu");
}

// Argument vectors observed from upstream rsync 3.4.1/3.5.0 clients (with
// the 'i' capability removed, as crsync does not offer incremental
// recursion yet).
TEST(ServerArgsTest, MatchesUpstreamOrder) {
  EXPECT_EQ(argv_for({"-a"}, true), (std::vector<std::string>{"--server", "-logDtpre.LsfxCIvu"}));
  EXPECT_EQ(argv_for({"-a", "--checksum-seed=32761"}, false),
            (std::vector<std::string>{"--server", "--sender", "-logDtpre.LsfxCIvu",
                                      "--checksum-seed=32761"}));
  EXPECT_EQ(argv_for({"-ai", "--no-whole-file", "--checksum-seed=32761"}, false),
            (std::vector<std::string>{"--server", "--sender", "-logDtpre.LsfxCIvu",
                                      "--checksum-seed=32761"}));
  EXPECT_EQ(argv_for({"-ai"}, true),
            (std::vector<std::string>{"--server", "-logDtpre.LsfxCIvu", "--log-format=%i"}));
  EXPECT_EQ(argv_for({"-a", "--checksum-choice=md5"}, false),
            (std::vector<std::string>{"--server", "--sender", "-logDtpre.LsfxCIvu",
                                      "--checksum-choice=md5"}));
  // No capability suffix below 30.
  EXPECT_EQ(argv_for({"-aH"}, true, 29), (std::vector<std::string>{"--server", "-lHogDtpr"}));
  EXPECT_EQ(argv_for({"-a"}, true, 29), (std::vector<std::string>{"--server", "-logDtpr"}));
  EXPECT_EQ(argv_for({"-a", "--stats"}, true),
            (std::vector<std::string>{"--server", "-logDtpre.LsfxCIvu", "--stats"}));
}

TEST(ServerArgsTest, PathEscaping) {
  EXPECT_EQ(safe_path_arg("-x"), "./-x");
  EXPECT_EQ(safe_path_arg("a b!#$&;|<>(){}\"`"),
            "a\\ b\\!\\#\\$\\&\\;\\|\\<\\>\\(\\)\\{\\}\\\"\\`");
  EXPECT_EQ(safe_path_arg("w*?[]\\*"), "w*?[]\\*");
  EXPECT_EQ(safe_path_arg("dir with space/"), "dir\\ with\\ space/");
}

TEST(ServerArgsTest, ShellCommandSplitting) {
  std::vector<std::string> w;
  ASSERT_TRUE(split_shell_command("ssh -o 'A B' -o \"C D\" -o 'it''s'", &w).ok());
  EXPECT_EQ(w, (std::vector<std::string>{"ssh", "-o", "A B", "-o", "C D", "-o", "it's"}));
  std::vector<std::string> bad;
  EXPECT_EQ(split_shell_command("ssh 'oops", &bad).exit_status(), 1);
}

}  // namespace
}  // namespace crsync::cli
