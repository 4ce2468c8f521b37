#include "session/id_mapper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace crsync::session {
namespace {

std::atomic<int> g_user_calls{0};
std::atomic<int> g_group_calls{0};

std::optional<uint32_t> fake_users(const std::string& name) {
  ++g_user_calls;
  if (name == "alice") return 2001;
  if (name == "root") return 0;
  return std::nullopt;
}

std::optional<uint32_t> fake_groups(const std::string& name) {
  ++g_group_calls;
  if (name == "staff") return 50;
  return std::nullopt;
}

TEST(IdMapperTest, MapsNamedIdsAndKeepsOthers) {
  IdMapper m(fake_users, fake_groups);
  m.add_user(1000, "alice");
  m.add_user(1001, "nobody-here");
  m.add_group(20, "staff");
  EXPECT_EQ(m.map_user(1000), 2001u);
  EXPECT_EQ(m.map_user(1001), 1001u);  // unknown name: the number stays
  EXPECT_EQ(m.map_user(1002), 1002u);  // never named: the number stays
  EXPECT_EQ(m.map_group(20), 50u);
  EXPECT_EQ(m.map_group(1000), 1000u);  // users and groups are separate tables
}

TEST(IdMapperTest, LooksUpEachNamedIdOnce) {
  g_user_calls = 0;
  g_group_calls = 0;
  IdMapper m(fake_users, fake_groups);
  m.add_user(1000, "alice");
  m.add_user(7, "ghost");
  m.add_group(20, "staff");
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(m.map_user(1000), 2001u);
    EXPECT_EQ(m.map_user(7), 7u);  // a failed lookup is remembered too
    EXPECT_EQ(m.map_group(20), 50u);
    EXPECT_EQ(m.map_user(99), 99u);  // an unnamed id needs no lookup
  }
  EXPECT_EQ(g_user_calls.load(), 2);
  EXPECT_EQ(g_group_calls.load(), 1);
  EXPECT_EQ(m.lookups(), 3);
}

TEST(IdMapperTest, FirstNonEmptyNameWins) {
  IdMapper m(fake_users, fake_groups);
  m.add_user(5, "");  // an empty name names nothing
  EXPECT_EQ(m.map_user(5), 5u);
  m.add_user(5, "root");
  m.add_user(5, "alice");  // later names of the same id are ignored
  EXPECT_EQ(m.map_user(5), 0u);
}

TEST(IdMapperTest, NamesAddedAfterAMapCountFromThen) {
  IdMapper m(fake_users, fake_groups);
  EXPECT_EQ(m.map_user(1000), 1000u);
  m.add_user(1000, "alice");  // a later sub-list names it
  EXPECT_EQ(m.map_user(1000), 2001u);
}

TEST(IdMapperTest, ConcurrentAddAndMap) {
  g_user_calls = 0;
  IdMapper m(fake_users, fake_groups);
  std::thread adder([&] {
    for (uint32_t id = 0; id < 2000; ++id) m.add_user(10000 + id, id % 2 ? "alice" : "ghost");
  });
  std::vector<uint32_t> seen;
  for (uint32_t id = 0; id < 2000; ++id) seen.push_back(m.map_user(10000 + id));
  adder.join();
  for (uint32_t id = 0; id < 2000; ++id) {
    const uint32_t v = m.map_user(10000 + id);
    EXPECT_EQ(v, id % 2 ? 2001u : 10000 + id);
    EXPECT_TRUE(seen[id] == 10000 + id || seen[id] == v);
  }
  EXPECT_EQ(g_user_calls.load(), 2000);
}

TEST(IdMapperTest, SystemLookupsFindRoot) {
  EXPECT_EQ(system_user_id("root"), std::optional<uint32_t>(0));
  EXPECT_EQ(system_group_id("root"), std::optional<uint32_t>(0));
  EXPECT_EQ(system_user_id("crsync-no-such-user-xyz"), std::nullopt);
}

}  // namespace
}  // namespace crsync::session
