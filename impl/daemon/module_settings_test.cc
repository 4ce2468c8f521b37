#include "daemon/module_settings.h"

#include <gtest/gtest.h>

#include <vector>

namespace crsync::daemon {
namespace {

DaemonConfig config(const std::string& text) {
  ConfigSource src;
  src.read_file = [](const std::string&) -> Result<std::string> {
    return Status::Error(ExitCode::kSyntax, "none");
  };
  src.list_dir = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{};
  };
  src.is_dir = [](const std::string&) { return false; };
  auto c = parse_config_text(text, "rsyncd.conf", src, {}, [](const std::string&) {});
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : DaemonConfig{};
}

TEST(ModuleSettingsTest, DaemonEscapesAndWidths) {
  const std::map<char, std::string> v{{'h', "host"}, {'a', "10.0.0.1"}, {'m', "mod"}, {'u', ""}};
  EXPECT_EQ(fill_daemon_escapes("%o %h [%a] %m (%u) %f %l", v), "%o host [10.0.0.1] mod () %f %l");
  EXPECT_EQ(fill_daemon_escapes("[%-6h][%6m][%'10l]", v), "[host  ][   mod][%'10l]");
  EXPECT_EQ(fill_daemon_escapes("100%", v), "100%");
}

TEST(ModuleSettingsTest, DirectionPicksTheChmodAndTheFilterApplies) {
  const DaemonConfig c = config(
      "[m]\n path = /srv\n incoming chmod = Fo-rwx\n outgoing chmod = Fa+x\n"
      " exclude = *.key\n transfer logging = yes\n log format = %m %u %f\n");
  const Section& m = c.modules.at(0);
  const DaemonLog log("");
  ModuleFilterFiles files;
  ASSERT_EQ(read_module_filters(m, log, &files), 0);
  session::Options recv;
  EXPECT_EQ(apply_module_settings(m, files, {"h", "1.2.3.4", "alice"}, &log, &recv), "");
  EXPECT_EQ(recv.daemon_chmod.apply(0100644) & 07777, 0640u);
  ASSERT_TRUE(recv.daemon_filter);
  EXPECT_TRUE(recv.daemon_filter->excluded("", "a.key", false));
  EXPECT_EQ(recv.transfer_log_format, "m alice %f");
  session::Options send;
  send.am_sender = true;
  EXPECT_EQ(apply_module_settings(m, files, {}, &log, &send), "");
  EXPECT_EQ(send.daemon_chmod.apply(0100644) & 07777, 0755u);
}

TEST(ModuleSettingsTest, BadFilterRuleIsAnError) {
  const DaemonConfig c = config("[m]\n path = /srv\n filter = bogus-rule x\n");
  const DaemonLog log("/dev/null");
  ModuleFilterFiles files;
  ASSERT_EQ(read_module_filters(c.modules.at(0), log, &files), 0);
  session::Options o;
  EXPECT_NE(apply_module_settings(c.modules.at(0), files, {}, &log, &o), "");
  EXPECT_FALSE(o.daemon_filter);
}

}  // namespace
}  // namespace crsync::daemon
