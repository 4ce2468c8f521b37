#include "daemon/config.h"

#include <gtest/gtest.h>

#include <map>

namespace crsync::daemon {
namespace {

struct Fake {
  std::map<std::string, std::string> files;
  std::map<std::string, std::vector<std::string>> dirs;
  ConfigSource source() {
    ConfigSource s;
    s.read_file = [this](const std::string& p) -> Result<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return Status::Error(ExitCode::kSyntax, "No such file or directory");
      return it->second;
    };
    s.list_dir = [this](const std::string& p) -> Result<std::vector<std::string>> {
      return dirs[p];
    };
    s.is_dir = [this](const std::string& p) { return dirs.count(p) > 0; };
    return s;
  }
};

Result<DaemonConfig> parse(const std::string& text, Fake* fake = nullptr,
                           std::vector<std::string>* log = nullptr,
                           const std::vector<std::string>& dparams = {}) {
  static Fake empty;
  return parse_config_text(text, "rsyncd.conf", (fake ? *fake : empty).source(), dparams,
                           [log](const std::string& l) {
                             if (log) log->push_back(l);
                           });
}

TEST(DaemonConfigTest, GlobalsDefaultModulesAndBooleans) {
  auto c = parse(
      "# comment\n"
      "  ; another\n"
      "read only = no\n"
      "motd file = /etc/motd\n"
      "[a]\n"
      "  path = /srv/a///\n"
      "  comment = first module\n"
      "[b]\n"
      "ReadOnly = YES\n"
      "write   only=1\n"
      "use chroot = unset\n"
      "max connections = 7\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->modules.size(), 2u);
  EXPECT_EQ(c->globals.str("motd file"), "/etc/motd");
  EXPECT_FALSE(c->modules[0].boolean("read only"));  // global default
  EXPECT_EQ(c->modules[0].str("path"), "/srv/a");    // trailing slashes trimmed
  EXPECT_EQ(c->modules[0].str("comment"), "first module");
  EXPECT_TRUE(c->modules[1].boolean("read only"));  // "ReadOnly": spacing and case ignored
  EXPECT_TRUE(c->modules[1].boolean("write only"));
  EXPECT_EQ(c->modules[1].bool3("use chroot"), -1);
  EXPECT_EQ(c->modules[0].bool3("use chroot"), -1);
  EXPECT_EQ(c->modules[1].integer("max connections"), 7);
  EXPECT_TRUE(c->modules[0].boolean("list"));  // upstream default
  EXPECT_EQ(c->find("b"), 1);
  EXPECT_EQ(c->find("B"), -1);  // module lookup is exact
}

TEST(DaemonConfigTest, ContinuationLinesJoin) {
  auto c = parse("[m]\npath = /x\nhosts allow = 10.0.0.1 \\\n   10.0.0.2\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->modules[0].str("hosts allow"), "10.0.0.1 10.0.0.2");
}

TEST(DaemonConfigTest, UnknownParameterIsLoggedWithItsLineAndIgnored) {
  std::vector<std::string> log;
  auto c = parse("[m]\npath = /x\nfrobnicate = 3\n", nullptr, &log);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("IGNORING unknown parameter \"frobnicate\""), std::string::npos);
  EXPECT_NE(log[0].find("line 3"), std::string::npos);
}

TEST(DaemonConfigTest, UnsupportedParameterFailsWithItsLine) {
  auto c = parse("[m]\npath = /x\n\nname converter = /bin/nc\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().exit_status(), 1);
  EXPECT_NE(c.status().message().find("line 4"), std::string::npos);
}

TEST(DaemonConfigTest, ModuleTransferParametersAreAccepted) {
  auto c = parse(
      "[m]\npath = /x\nfilter = - *.o\nexclude = a/\ninclude = b\nexclude from = /e\n"
      "include from = /i\nincoming chmod = Fo-w\noutgoing chmod = Dg+s\n"
      "ignore nonreadable = yes\ncharset = utf-8\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->modules[0].str("exclude"), "a/");
  EXPECT_TRUE(c->modules[0].boolean("ignore nonreadable"));
  auto f = parse("[m]\npath = /x\nfake super = yes\n");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(f->modules[0].boolean("fake super"));
}

TEST(DaemonConfigTest, BadBooleanKeepsTheDefault) {
  std::vector<std::string> log;
  auto c = parse("[m]\nread only = perhaps\n", nullptr, &log);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->modules[0].boolean("read only"));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("Badly formed boolean"), std::string::npos);
}

TEST(DaemonConfigTest, GlobalParameterInModuleIsIgnored) {
  std::vector<std::string> log;
  auto c = parse("[m]\nport = 99\n", nullptr, &log);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->globals.integer("rsync port"), 0);
  ASSERT_EQ(log.size(), 1u);
}

TEST(DaemonConfigTest, SlashInSectionNameIsFatal) {
  EXPECT_FALSE(parse("[a/b]\npath = /x\n").ok());
  EXPECT_FALSE(parse("[]\n").ok());
  EXPECT_FALSE(parse("[abc\n").ok());
}

TEST(DaemonConfigTest, IncludeRestoresGlobalsMergeKeepsThem) {
  Fake f;
  f.files["/inc.conf"] = "read only = no\n[inc]\npath = /i\n";
  f.files["/m.inc"] = "read only = no\n";
  auto c = parse("&include /inc.conf\n[after]\npath = /a\n", &f);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->modules.size(), 2u);
  EXPECT_FALSE(c->modules[0].boolean("read only"));
  EXPECT_TRUE(c->modules[1].boolean("read only"));  // restored after the include
  auto m = parse("&merge /m.inc\n[after]\npath = /a\n", &f);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->modules[0].boolean("read only"));
  EXPECT_FALSE(parse("&include /missing.conf\n", &f).ok());
}

TEST(DaemonConfigTest, IncludeDirectoryTakesConfFilesInOrder) {
  Fake f;
  f.dirs["/d"] = {"b.conf", "a.conf", "x.inc", "README"};
  f.files["/d/a.conf"] = "[a]\npath = /a\n";
  f.files["/d/b.conf"] = "[b]\npath = /b\n";
  auto c = parse("&include /d\n", &f);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->modules.size(), 2u);
  EXPECT_EQ(c->modules[0].name(), "a");
  EXPECT_EQ(c->modules[1].name(), "b");
}

TEST(DaemonConfigTest, DparamsApplyAtTheEndOfTheGlobalSection) {
  auto c = parse("read only = no\n[m]\npath = /x\n", nullptr, nullptr, {"read only=yes"});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->modules[0].boolean("read only"));
}

TEST(DaemonConfigTest, ExpandsEnvironmentVariables) {
  ::setenv("CRSYNC_TEST_DIR", "/tmp/q", 1);
  auto c = parse("[m]\npath = %CRSYNC_TEST_DIR%/sub\ncomment = 100%\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->modules[0].str("path"), "/tmp/q/sub");
  EXPECT_EQ(c->modules[0].str("comment"), "100%");
}

}  // namespace
}  // namespace crsync::daemon
