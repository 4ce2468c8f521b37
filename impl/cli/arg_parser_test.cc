#include "cli/arg_parser.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

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
  ParsedArgs p = parse({"-a", "--append", "a", "b"});
  EXPECT_EQ(p.unsupported, (std::vector<std::string>{"--append"}));
}

// A files-from list that exists (the parser opens a local one).
std::string list_file() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/crsync-list-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd >= 0) ::close(fd);
    return std::string(tmpl);
  }();
  return path;
}

TEST(ArgParserTest, FilesFromImpliesRelativeAndDropsArchiveRecursion) {
  const std::string ff = "--files-from=" + list_file();
  ParsedArgs p = parse({"-a", ff, "src/", "dst"});
  EXPECT_EQ(p.opts.files_from, list_file());
  EXPECT_FALSE(p.opts.recursive);
  EXPECT_TRUE(p.opts.relative);
  EXPECT_TRUE(p.opts.implied_dirs);
  EXPECT_FALSE(p.opts.dirs);  // implied -d is applied where the list is built
  // An explicit -r stays, before or after -a.
  EXPECT_TRUE(parse({"-a", "-r", ff, "src/", "dst"}).opts.recursive);
  EXPECT_TRUE(parse({"-r", "-a", ff, "src/", "dst"}).opts.recursive);
  EXPECT_FALSE(parse({"-a", "-r", "--no-r", "-a", ff, "src/", "dst"}).opts.recursive);
  // --no-R wins over the implied -R, and takes --no-implied-dirs with it.
  ParsedArgs n = parse({"-a", "--no-R", ff, "src/", "dst"});
  EXPECT_FALSE(n.opts.relative);
  EXPECT_FALSE(n.opts.implied_dirs);
  // Without --files-from, -a keeps -r and -R is off.
  ParsedArgs a = parse({"-a", "src/", "dst"});
  EXPECT_TRUE(a.opts.recursive);
  EXPECT_FALSE(a.opts.relative);
}

TEST(ArgParserTest, RelativeAndImpliedDirs) {
  ParsedArgs p = parse({"-aR", "--no-implied-dirs", "-0", "a", "b"});
  EXPECT_TRUE(p.opts.relative);
  EXPECT_FALSE(p.opts.implied_dirs);
  EXPECT_TRUE(p.opts.from0);
  EXPECT_TRUE(p.unsupported.empty());
  EXPECT_TRUE(parse({"-R", "--no-i-d", "--i-d", "a", "b"}).opts.implied_dirs);
  EXPECT_FALSE(parse({"-R", "--no-R", "a", "b"}).opts.relative);
  EXPECT_FALSE(parse({"-d", "--no-d", "a", "b"}).opts.dirs);
  EXPECT_FALSE(parse({"-a", "--no-r", "a", "b"}).opts.recursive);
}

TEST(ArgParserTest, FilesFromErrors) {
  ParsedArgs p;
  Status s = parse_args({"--files-from=/nonexistent/list", "src/", "dst"}, &p);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(s.message(),
            "failed to open files-from file /nonexistent/list: No such file or directory");
  const std::string ff = "--files-from=" + list_file();
  ParsedArgs q;
  EXPECT_EQ(parse_args({ff, "a", "b", "dst"}, &q).exit_status(), 1);
  ParsedArgs r;
  EXPECT_EQ(parse_args({ff, "dst"}, &r).exit_status(), 1);
  // A remote list is not opened here; "host:-" is refused.
  ParsedArgs t;
  EXPECT_TRUE(parse_args({"--files-from=host:/no/such", "src/", "dst"}, &t).ok());
  ParsedArgs u;
  EXPECT_EQ(parse_args({"--files-from=host:-", "src/", "dst"}, &u).message(),
            "Invalid --files-from remote filename");
}

TEST(ArgParserTest, ServerReadsTheListFromTheConnection) {
  ParsedArgs p = parse(
      {"--server", "--sender", "-logDtpRe.LsfxCIvu", "--files-from=-", "--from0", ".", "src/"});
  EXPECT_EQ(p.opts.files_from, "-");
  EXPECT_TRUE(p.opts.from0);
  EXPECT_TRUE(p.opts.relative);
  EXPECT_FALSE(p.opts.recursive);
  ParsedArgs q;
  EXPECT_EQ(parse_args({"--server", "--files-from=h:x", ".", "dst"}, &q).message(),
            "The --files-from sent to the server cannot specify a host.");
}

}  // namespace
}  // namespace crsync::cli
