#include "flist/id_list.h"

#include <gtest/gtest.h>

namespace crsync::flist {
namespace {

TEST(IdListTest, RoundTripWithId0Names) {
  IdListOptions o{32, true, true, true};
  IdLists in;
  in.users = {{1000, "alice"}, {0, "root"}};
  in.groups = {{100, "users"}, {0, "root"}};
  ByteWriter w;
  write_id_lists(w, o, in);
  ByteReader r{ByteSpan(w.bytes())};
  IdLists out;
  ASSERT_TRUE(read_id_lists(r, o, &out).ok());
  EXPECT_TRUE(r.empty());
  ASSERT_EQ(out.users.size(), 2u);
  EXPECT_EQ(out.users[0].name, "alice");
  EXPECT_EQ(out.users[1].id, 0u);
  EXPECT_EQ(out.users[1].name, "root");
  EXPECT_EQ(out.groups[0].id, 100u);
}

TEST(IdListTest, Protocol29UsesIntsAndNoId0Name) {
  IdListOptions o{29, true, false, false};
  IdLists in;
  in.users = {{0, "root"}, {5, "x"}};
  ByteWriter w;
  write_id_lists(w, o, in);
  EXPECT_EQ(w.bytes(), (Bytes{5, 0, 0, 0, 1, 'x', 0, 0, 0, 0}));
  for (size_t cut = 0; cut < w.size(); ++cut) {
    ByteReader r{ByteSpan(w.bytes().data(), cut)};
    IdLists out;
    EXPECT_TRUE(read_id_lists(r, o, &out).need_more());
    EXPECT_EQ(r.pos(), 0u);
  }
}

}  // namespace
}  // namespace crsync::flist
