#include "cli/server_args.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

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

// -R, --no-implied-dirs and --files-from, as upstream clients send them
// (options-argv.md §1.9).
TEST(ServerArgsTest, RelativeAndFilesFrom) {
  char tmpl[] = "/tmp/crsync-list-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  const std::string ff = std::string("--files-from=") + tmpl;
  using V = std::vector<std::string>;
  EXPECT_EQ(argv_for({"-a", ff, "src/", "h:dst"}, true), (V{"--server", "-logDtpRe.LsfxCIvu"}));
  EXPECT_EQ(argv_for({"-a", "-r", ff, "src/", "h:dst"}, true),
            (V{"--server", "-logDtprRe.LsfxCIvu"}));
  EXPECT_EQ(argv_for({"-a", ff, "h:src/", "dst"}, false),
            (V{"--server", "--sender", "-logDtpRe.LsfxCIvu", "--files-from=-", "--from0"}));
  EXPECT_EQ(argv_for({"-a", ff, "--no-R", "h:src/", "dst"}, false),
            (V{"--server", "--sender", "-logDtpe.LsfxCIvu", "--files-from=-", "--from0",
               "--no-relative"}));
  EXPECT_EQ(argv_for({"-a", "--files-from=host:/rlist", "-0", "src/", "host:dst"}, true),
            (V{"--server", "-logDtpRe.LsfxCIvu", "--files-from", "/rlist", "--from0"}));
  EXPECT_EQ(argv_for({"-a", "--files-from=:/r list*", "--no-R", "host:src/", "dst"}, false),
            (V{"--server", "--sender", "-logDtpe.LsfxCIvu", "--files-from", "/r\\ list\\*",
               "--no-relative"}));
  // --files-from with --delete on a push: the implied -d goes as "d" with --no-r.
  EXPECT_EQ(argv_for({"-a", ff, "--delete", "src/", "h:dst"}, true),
            (V{"--server", "-ldogDtpRe.LsfxCIvu", "--no-r", "--delete"}));
  ::unlink(tmpl);
  EXPECT_EQ(argv_for({"-d", "--delete", "src/", "h:dst"}, true),
            (V{"--server", "-de.LsfxCIvu", "--no-r", "--delete"}));
  // --no-implied-dirs: a pushing client sends it only from protocol 30.
  EXPECT_EQ(argv_for({"-aR", "--no-implied-dirs", "a", "h:dst"}, true),
            (V{"--server", "-logDtprRe.LsfxCIvu", "--no-implied-dirs"}));
  EXPECT_EQ(argv_for({"-aR", "--no-implied-dirs", "a", "h:dst"}, true, 29),
            (V{"--server", "-logDtprR"}));
  EXPECT_EQ(argv_for({"-aR", "--no-implied-dirs", "h:a", "dst"}, false, 29),
            (V{"--server", "--sender", "-logDtprR", "--no-implied-dirs"}));
  // Without -R it means nothing and is not sent.
  EXPECT_EQ(argv_for({"-a", "--no-implied-dirs", "a", "h:dst"}, true),
            (V{"--server", "-logDtpre.LsfxCIvu"}));
}

// --append, --partial-dir and --remove-source-files as upstream 3.5.0's
// client sends them (recorded with a spy remote shell).
TEST(ServerArgsTest, TransferOptions) {
  using V = std::vector<std::string>;
  EXPECT_EQ(argv_for({"-a", "--append", "s/", "h:d"}, true),
            (V{"--server", "-logDtpre.LsfxCIvu", "--append"}));
  EXPECT_EQ(argv_for({"-a", "--append-verify", "h:s/", "d"}, false),
            (V{"--server", "--sender", "-logDtpre.LsfxCIvu", "--append", "--append"}));
  EXPECT_EQ(argv_for({"-a", "--append", "s/", "h:d"}, true, 29),
            (V{"--server", "-logDtpr", "--append"}));
  EXPECT_EQ(argv_for({"-a", "--partial-dir=.p q", "s/", "h:d"}, true),
            (V{"--server", "-logDtpre.LsfxCIvu", "--partial-dir", ".p\\ q"}));
  EXPECT_EQ(argv_for({"-a", "--partial-dir=.p", "h:s/", "d"}, false),
            (V{"--server", "--sender", "-logDtpre.LsfxCIvu"}));
  EXPECT_EQ(argv_for({"-a", "--partial-dir=p", "--delay-updates", "s/", "h:d"}, true),
            (V{"--server", "-logDtpre.LsfxCIvu", "--partial-dir", "p", "--delay-updates"}));
  EXPECT_EQ(argv_for({"-a", "--inplace", "--partial", "s/", "h:d"}, true),
            (V{"--server", "-logDtpre.LsfxCIvu", "--inplace"}));
  EXPECT_EQ(argv_for({"-a", "--remove-source-files", "s/", "h:d"}, true),
            (V{"--server", "-logDtpre.LsfxCIvu", "--remove-source-files"}));
  EXPECT_EQ(argv_for({"-a", "--remove-sent-files", "h:s/", "d"}, false),
            (V{"--server", "--sender", "-logDtpre.LsfxCIvu", "--remove-sent-files"}));
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
