// Every golden capture of upstream 3.4.1 is dissected with no undecoded
// byte, and what the dissector decodes agrees with what the scenario
// recorded independently (the resulting tree: names, sizes, mtimes, modes).
#include "pcap/session_dissector.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "flist/file_entry.h"
#include "pcap/capture_loader.h"

namespace crsync::pcap {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
const fs::path kGolden = CRSYNC_GOLDEN_DIR;

json read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> v;
  const json index = read_json(kGolden / "scenarios/index.json");
  for (const auto& s : index["scenarios"]) v.push_back(s["name"].get<std::string>());
  return v;
}

class GoldenDissection : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenDissection, EveryByteDecodesAndAgreesWithTheScenario) {
  const fs::path dir = kGolden / "scenarios" / GetParam();
  const json scenario = read_json(dir / "scenario.json");
  LoadedSession s;
  ASSERT_TRUE(load_session((dir / "capture.pcap").string(), "", &s).ok());
  const Dissection& d = s.dissection;
  ASSERT_TRUE(d.daemon);
  EXPECT_EQ(d.problem, "");
  for (Dir dir_ : {Dir::kC2S, Dir::kS2C}) {
    const DirectionDissection& dd = d.dir(dir_);
    EXPECT_GT(dd.raw.size(), 0u);
    EXPECT_EQ(dd.undecoded_bytes(), 0u) << dir_name(dir_);
    for (const Element& e : dd.elements) EXPECT_FALSE(e.undecoded) << e.describe();
  }

  // What the scenario recorded of the destination afterwards.
  std::map<std::string, json> tree;
  for (const auto& e : scenario["result_tree"]) tree[e["path"].get<std::string>()] = e;
  const bool clean_transfer = scenario["exit_code"] == 0 && d.have_facts && !d.facts.dry_run &&
                              !d.facts.list_only && !tree.empty();
  if (!clean_transfer) return;
  // Paths are relative to the destination; a pull of a sub-folder
  // (src/bin/ into dst/bin/) has them one level down.
  std::string prefix;
  for (const auto& arg : scenario["client_argv"]) {
    const std::string a = arg.get<std::string>();
    if (a.find("/bin/") != std::string::npos && a.rfind("{work}", 0) == 0) prefix = "bin/";
  }
  size_t entries = 0, regular = 0, data = 0;
  std::map<std::string, int64_t> sizes;
  for (Dir dir_ : {Dir::kC2S, Dir::kS2C}) {
    for (const Element& e : d.dir(dir_).elements) {
      if (e.kind == "file-list entry" && e.subject != ".") {
        ++entries;
        auto it = tree.find(prefix + e.subject);
        ASSERT_NE(it, tree.end()) << e.describe();
        const uint32_t mode = std::stoul(*e.field("mode"), nullptr, 8);
        EXPECT_EQ(mode, std::stoul(it->second["mode"].get<std::string>(), nullptr, 8))
            << e.describe();
        if (flist::is_reg(mode)) {
          ++regular;
          sizes[e.subject] = std::stoll(*e.field("size"));
          EXPECT_EQ(std::stoll(*e.field("size")), it->second["size"].get<int64_t>())
              << e.describe();
          EXPECT_EQ(std::stoll(*e.field("mtime")), it->second["mtime"].get<int64_t>())
              << e.describe();
        }
      }
      if (e.kind == "file data") {
        ++data;
        ASSERT_TRUE(sizes.count(e.subject)) << e.describe();
        EXPECT_EQ(std::stoll(*e.field("size")), sizes[e.subject]) << e.describe();
      }
    }
  }
  std::printf("%s: %zu entries checked, %zu regular, %zu files' data\n", GetParam().c_str(),
              entries, regular, data);
  EXPECT_GT(entries, 0u);
  EXPECT_GT(regular, 0u);
  EXPECT_GT(data, 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenDissection, ::testing::ValuesIn(scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string n = p.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A stream that is not an rsync session is reported undecoded, whole.
TEST(SessionDissector, NotADaemonSession) {
  const std::string http = "GET / HTTP/1.1\r\n\r\n";
  Dissection d = dissect_session(Bytes(http.begin(), http.end()), Bytes{'x'});
  EXPECT_FALSE(d.daemon);
  EXPECT_EQ(d.c2s.undecoded_bytes(), http.size());
  EXPECT_EQ(d.s2c.undecoded_bytes(), 1u);
}

}  // namespace
}  // namespace crsync::pcap
