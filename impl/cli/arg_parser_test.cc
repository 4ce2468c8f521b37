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

// --max-size/--min-size take upstream's size syntax: units in powers of
// 1024 (or 1000 with a trailing b), fractions, +1/-1; 3.5's range checks.
TEST(ArgParserTest, BasisDirectories) {
  const ParsedArgs p = parse({"--link-dest=../a", "--link-dest", "/b", "x", "y"});
  EXPECT_EQ(p.opts.alt_dest, session::AltDest::kLink);
  EXPECT_EQ(p.opts.basis_dirs, (std::vector<std::string>{"../a", "/b"}));
  EXPECT_EQ(parse({"--compare-dest=c", "x", "y"}).opts.alt_dest, session::AltDest::kCompare);
  EXPECT_EQ(parse({"--copy-dest=c", "x", "y"}).opts.alt_dest, session::AltDest::kCopy);
  ParsedArgs q;
  Status s = parse_args({"--copy-dest=a", "--link-dest=b", "x", "y"}, &q);
  EXPECT_EQ(s.exit_code(), ExitCode::kSyntax);
  EXPECT_EQ(s.message(), "ERROR: the --link-dest option conflicts with the --copy-dest option");
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) many.push_back("--compare-dest=d" + std::to_string(i));
  many.insert(many.end(), {"x", "y"});
  ParsedArgs r;
  s = parse_args(many, &r);
  EXPECT_EQ(s.message(), "ERROR: at most 20 --compare-dest args may be specified");
  many.erase(many.begin());  // 20 are fine
  EXPECT_EQ(parse(many).opts.basis_dirs.size(), 20u);
}

TEST(ArgParserTest, SizeLimits) {
  EXPECT_EQ(parse({"--max-size=1.5k", "a", "b"}).opts.max_size, 1536);
  EXPECT_EQ(parse({"--max-size=10b-1", "a", "b"}).opts.max_size, 9);
  EXPECT_EQ(parse({"--max-size=1kb+1", "a", "b"}).opts.max_size, 1001);
  EXPECT_EQ(parse({"--min-size=2KiB", "a", "b"}).opts.min_size, 2048);
  EXPECT_EQ(parse({"--min-size=3G", "a", "b"}).opts.min_size, int64_t{3} << 30);
  EXPECT_EQ(parse({"--min-size=0", "a", "b"}).opts.min_size, 0);
  EXPECT_EQ(parse({"a", "b"}).opts.max_size, -1);
  ParsedArgs p;
  Status s = parse_args({"--max-size=5x", "a", "b"}, &p);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(s.message(), "--max-size=5x is invalid");
  s = parse_args({"--min-size=-1", "a", "b"}, &p);
  EXPECT_EQ(s.message(), "--min-size=-1 is too large");
  s = parse_args({"--max-size=99999999999999999999", "a", "b"}, &p);
  EXPECT_EQ(s.message(), "--max-size=99999999999999999999 is too large");
  EXPECT_EQ(parse_args({"--max-size=9000p", "a", "b"}, &p).exit_status(), 1);  // > 2^63
}

// --append implies --inplace; a server counts --append (the client sends
// it twice for --append-verify); below 30 --append verifies too.
TEST(ArgParserTest, AppendModes) {
  ParsedArgs p = parse({"-a", "--append", "a", "b"});
  EXPECT_EQ(p.opts.append, 1);
  EXPECT_TRUE(p.opts.inplace);
  EXPECT_EQ(p.opts.append_mode(30), 1);
  EXPECT_EQ(p.opts.append_mode(29), 2);
  EXPECT_EQ(parse({"--append", "--append", "a", "b"}).opts.append, 1);
  EXPECT_EQ(parse({"--append-verify", "a", "b"}).opts.append_mode(32), 2);
  EXPECT_EQ(parse({"--append", "--no-append", "a", "b"}).opts.append, 0);
  ParsedArgs s = parse({"--server", "-logDtpre.LsfxCIvu", "--append", "--append", ".", "d"});
  EXPECT_EQ(s.opts.append, 2);
  EXPECT_EQ(parse({"--server", "--append", ".", "d"}).opts.append, 1);
}

TEST(ArgParserTest, PartialDirImpliesPartialAndIsCleaned) {
  ParsedArgs p = parse({"--partial-dir=./.rp//x/", "a", "b"});
  EXPECT_EQ(p.opts.partial_dir, ".rp/x");
  EXPECT_EQ(p.opts.partial_dir_used(), ".rp/x");
  EXPECT_TRUE(p.opts.partial);
  // "." means none.
  ParsedArgs q = parse({"--partial-dir=.", "a", "b"});
  EXPECT_TRUE(q.opts.partial_dir.empty());
  EXPECT_FALSE(q.opts.partial);
  // --delay-updates has its own, unless one is given.
  ParsedArgs d = parse({"--delay-updates", "a", "b"});
  EXPECT_EQ(d.opts.partial_dir_used(), ".~tmp~");
  EXPECT_TRUE(d.opts.partial_dir.empty());  // (not sent as --partial-dir)
  EXPECT_TRUE(d.opts.partial);
  EXPECT_EQ(parse({"--delay-updates", "--partial-dir=p", "a", "b"}).opts.partial_dir_used(), "p");
}

TEST(ArgParserTest, PartialDirFromTheEnvironment) {
  ::setenv("RSYNC_PARTIAL_DIR", ".env-partial", 1);
  EXPECT_EQ(parse({"--partial", "a", "b"}).opts.partial_dir, ".env-partial");
  EXPECT_EQ(parse({"-P", "a", "b"}).opts.partial_dir, ".env-partial");
  EXPECT_TRUE(parse({"a", "b"}).opts.partial_dir.empty());  // only with --partial
  EXPECT_EQ(parse({"--partial", "--partial-dir=given", "a", "b"}).opts.partial_dir, "given");
  EXPECT_TRUE(parse({"--partial", "--inplace", "a", "b"}).opts.partial_dir.empty());
  EXPECT_TRUE(parse({"--server", "--partial", ".", "d"}).opts.partial_dir.empty());
  ::unsetenv("RSYNC_PARTIAL_DIR");
}

// upstream options.c's refusals, word for word (exit 1).
TEST(ArgParserTest, InPlaceRefusesAPartialDir) {
  const auto error = [](std::vector<std::string> argv) {
    ParsedArgs p;
    Status s = parse_args(argv, &p);
    EXPECT_EQ(s.exit_status(), 1);
    return std::string(s.message());
  };
  EXPECT_EQ(error({"--append", "-W", "a", "b"}), "--append cannot be used with --whole-file");
  EXPECT_EQ(error({"--append", "--partial-dir=x", "a", "b"}),
            "--append cannot be used with --partial-dir");
  EXPECT_EQ(error({"--append-verify", "--delay-updates", "a", "b"}),
            "--append cannot be used with --delay-updates");
  EXPECT_EQ(error({"--inplace", "--partial-dir=x", "a", "b"}),
            "--inplace cannot be used with --partial-dir");
  EXPECT_EQ(error({"--inplace", "--delay-updates", "a", "b"}),
            "--inplace cannot be used with --delay-updates");
  // --inplace --partial: fine, and --partial is dropped.
  EXPECT_FALSE(parse({"--inplace", "--partial", "a", "b"}).opts.partial);
}

TEST(ArgParserTest, RemoveSourceFiles) {
  EXPECT_EQ(parse({"--remove-source-files", "a", "b"}).opts.remove_source_files, 1);
  EXPECT_EQ(parse({"--remove-sent-files", "a", "b"}).opts.remove_source_files, 2);
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
