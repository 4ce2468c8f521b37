#include "cli/arg_parser.h"

#include <gtest/gtest.h>

namespace crsync::cli {
namespace {

ParsedArgs parse(std::vector<std::string> argv) {
  ParsedArgs p;
  Status s = parse_args(argv, &p);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return p;
}

TEST(ArgParserTest, ArchiveBundlesAndNegations) {
  ParsedArgs p = parse({"-avz", "--no-perms", "src/", "dst"});
  EXPECT_TRUE(p.opts.recursive);
  EXPECT_TRUE(p.opts.preserve_links);
  EXPECT_FALSE(p.opts.preserve_perms);
  EXPECT_TRUE(p.opts.preserve_devices && p.opts.preserve_specials);
  EXPECT_EQ(p.opts.verbose, 1);
  EXPECT_TRUE(p.opts.compress);
  EXPECT_EQ(p.args, (std::vector<std::string>{"src/", "dst"}));
}

TEST(ArgParserTest, ValuesInEveryForm) {
  ParsedArgs p =
      parse({"-B700", "--checksum-seed", "32761", "--protocol=29", "-e", "ssh -p 2", "a", "b"});
  EXPECT_EQ(p.opts.block_size, 700);
  EXPECT_EQ(p.opts.checksum_seed, 32761);
  EXPECT_EQ(p.opts.protocol, 29);
  EXPECT_EQ(p.opts.rsh, "ssh -p 2");
  ParsedArgs q = parse({"-B", "4k", "x", "y"});
  EXPECT_EQ(q.opts.block_size, 4096);
}

TEST(ArgParserTest, ServerArgumentVector) {
  ParsedArgs p = parse(
      {"--server", "--sender", "-vlogDtprze.iLsfxCIvu", "--checksum-seed=32761", ".", "src/"});
  EXPECT_TRUE(p.opts.am_server);
  EXPECT_TRUE(p.opts.am_sender);
  EXPECT_EQ(p.opts.client_caps, ".iLsfxCIvu");
  EXPECT_TRUE(p.opts.compress);
  EXPECT_EQ(p.args, (std::vector<std::string>{".", "src/"}));
}

TEST(ArgParserTest, UnknownOptionIsASyntaxError) {
  ParsedArgs p;
  Status s = parse_args({"--bogus-opt", "a", "b"}, &p);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(s.message(), "--bogus-opt: unknown option");
  EXPECT_EQ(parse_args({"-B"}, &p).exit_status(), 1);
}

TEST(ArgParserTest, UnimplementedOptionsAreCollected) {
  ParsedArgs p = parse({"-a", "--inplace", "a", "b"});
  EXPECT_EQ(p.unsupported, (std::vector<std::string>{"--inplace"}));
}

}  // namespace
}  // namespace crsync::cli
