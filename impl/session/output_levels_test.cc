#include "session/output_levels.h"

#include <gtest/gtest.h>

namespace crsync::session {
namespace {

TEST(OutputLevelsTest, MaxVerbosityCapsLevels) {
  OutputLevels lv;
  set_output_verbosity(lv, 4, kPriorityDefault);
  ASSERT_TRUE(parse_output_words(lv, false, "name2,flist2", kPriorityUser, true).ok());
  OutputLevels one;
  set_output_verbosity(one, 1, kPriorityDefault);
  limit_output_verbosity(lv, 1);
  EXPECT_EQ(lv.info, one.info);
  EXPECT_EQ(lv.debug, one.debug);
  OutputLevels high;
  set_output_verbosity(high, 4, kPriorityDefault);
  OutputLevels same = high;
  limit_output_verbosity(same, 6);  // above the highest -v count: no limit
  EXPECT_EQ(same.info, high.info);
}

TEST(OutputLevelsTest, WordsLevelsAndAll) {
  OutputLevels lv;
  ASSERT_TRUE(parse_output_words(lv, false, "progress2,NAME,stats3", kPriorityUser, false).ok());
  EXPECT_EQ(lv.get(Info::kProgress), 2);
  EXPECT_EQ(lv.get(Info::kName), 1);
  EXPECT_EQ(lv.get(Info::kStats), 3);
  ASSERT_TRUE(parse_output_words(lv, false, "none", kPriorityUser, false).ok());
  EXPECT_EQ(lv.get(Info::kProgress), 0);
  ASSERT_TRUE(parse_output_words(lv, false, "all9,,", kPriorityUser, false).ok());
  EXPECT_EQ(lv.get(Info::kDel), 4);  // levels stop at 4
  ASSERT_TRUE(parse_output_words(lv, true, "deltasum3,io", kPriorityUser, false).ok());
}

TEST(OutputLevelsTest, UnknownWordsAreRefusedByAClientOnly) {
  OutputLevels lv;
  Status s = parse_output_words(lv, false, "name,bogus2", kPriorityUser, false);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(std::string(s.message()), "Unknown --info item: \"bogus\"");
  s = parse_output_words(lv, true, "nope", kPriorityUser, false);
  EXPECT_EQ(std::string(s.message()), "Unknown --debug item: \"nope\"");
  EXPECT_TRUE(parse_output_words(lv, false, "bogus", kPriorityUser, true).ok());
}

TEST(OutputLevelsTest, ImpliedLevelsNeverOverrideTheUsers) {
  OutputLevels lv;
  ASSERT_TRUE(parse_output_words(lv, false, "name0", kPriorityUser, false).ok());
  set_output_verbosity(lv, 2, kPriorityDefault);
  EXPECT_EQ(lv.get(Info::kName), 0);
  EXPECT_EQ(lv.get(Info::kDel), 1);
  EXPECT_EQ(lv.get(Info::kMisc), 2);
  EXPECT_EQ(lv.get(Info::kNonreg), 1);
}

TEST(OutputLevelsTest, ForwardedOption) {
  OutputLevels lv;
  set_output_verbosity(lv, 1, kPriorityDefault);
  EXPECT_EQ(make_output_option(lv, false, kWhereServer | kWhereReceiver), "");
  ASSERT_TRUE(parse_output_words(lv, false, "progress2,name2,skip0", kPriorityUser, false).ok());
  // progress is the client's own; name and skip matter to a receiver.
  EXPECT_EQ(make_output_option(lv, false, kWhereServer | kWhereReceiver), "--info=NAME2,SKIP0");
  EXPECT_EQ(make_output_option(lv, false, kWhereServer | kWhereSender), "--info=NAME2");
  OutputLevels all;
  ASSERT_TRUE(parse_output_words(all, false, "all2", kPriorityUser, false).ok());
  EXPECT_EQ(make_output_option(all, false, kWhereServer | kWhereReceiver), "--info=ALL2");
}

TEST(OutputLevelsTest, ItemFormatRules) {
  OutputLevels lv;
  OutputOptionsIn in;
  in.verbose = 1;
  ItemFormat f = derive_output_options(lv, in);
  EXPECT_EQ(f.format, "%n%L");
  EXPECT_TRUE(f.log_before_transfer);
  EXPECT_FALSE(f.has_o_or_i);

  OutputLevels lv2;
  in = {};
  in.itemize = 2;
  f = derive_output_options(lv2, in);
  EXPECT_EQ(f.format, "%i %n%L");
  EXPECT_EQ(f.has_i, 2);

  // A format with %b is printed after the transfer; --progress then adds
  // the names (info name) before each file.
  OutputLevels lv3;
  in = {};
  in.out_format = "%n %b";
  in.progress = true;
  f = derive_output_options(lv3, in);
  EXPECT_FALSE(f.log_before_transfer);
  EXPECT_EQ(lv3.get(Info::kName), 1);
  EXPECT_EQ(lv3.get(Info::kFlist), 2);
  EXPECT_EQ(lv3.get(Info::kProgress), 1);

  // --progress alone: names via "%n%L".
  OutputLevels lv4;
  in = {};
  in.progress = true;
  f = derive_output_options(lv4, in);
  EXPECT_EQ(f.format, "%n%L");

  // A server's hint "%i%I" itemizes unchanged files too.
  OutputLevels lv5;
  in = {};
  in.out_format = "%i%I";
  in.am_server = true;
  f = derive_output_options(lv5, in);
  EXPECT_EQ(f.has_i, 2);
  EXPECT_FALSE(f.log_before_transfer);
  OutputLevels lv6;
  in.out_format = "%o";
  f = derive_output_options(lv6, in);
  EXPECT_TRUE(f.has_o_or_i);
  EXPECT_EQ(f.has_i, 0);
}

}  // namespace
}  // namespace crsync::session
