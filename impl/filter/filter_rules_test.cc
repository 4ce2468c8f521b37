#include "filter/filter_rules.h"

#include <gtest/gtest.h>

#include "filter/wildmatch.h"

namespace crsync::filter {
namespace {

TEST(WildmatchTest, Basics) {
  EXPECT_TRUE(wildmatch("*.o", "main.o"));
  EXPECT_FALSE(wildmatch("*.o", "dir/main.o"));
  EXPECT_TRUE(wildmatch("**.o", "dir/main.o"));
  EXPECT_TRUE(wildmatch("a?c", "abc"));
  EXPECT_FALSE(wildmatch("a?c", "a/c"));
  EXPECT_TRUE(wildmatch("f[0-3].dat", "f2.dat"));
  EXPECT_FALSE(wildmatch("f[!0-3].dat", "f2.dat"));
  EXPECT_TRUE(wildmatch("dir/**/x", "dir/a/b/x"));
  EXPECT_TRUE(wildmatch("\\*", "*"));
  EXPECT_FALSE(wildmatch("\\*", "a"));
}

std::vector<FilterRule> rules(std::vector<std::string> t) {
  auto r = parse_rules(t);
  EXPECT_TRUE(r.ok());
  return *r;
}

TEST(FilterRulesTest, UpstreamSemantics) {
  const auto r = rules({"+ keep.log", "- *.log", "- /top.txt", "- build/", "- a/b", "- cache/***"});
  EXPECT_TRUE(is_excluded(r, "x.log", false));
  EXPECT_TRUE(is_excluded(r, "deep/x.log", false));  // no slash: last component
  EXPECT_FALSE(is_excluded(r, "keep.log", false));   // first match wins
  EXPECT_TRUE(is_excluded(r, "top.txt", false));     // anchored
  EXPECT_FALSE(is_excluded(r, "sub/top.txt", false));
  EXPECT_TRUE(is_excluded(r, "build", true));  // directory only
  EXPECT_FALSE(is_excluded(r, "build", false));
  EXPECT_TRUE(is_excluded(r, "x/a/b", false));  // slash: any boundary
  EXPECT_FALSE(is_excluded(r, "xa/b", false));
  EXPECT_TRUE(is_excluded(r, "cache", true));
  EXPECT_TRUE(is_excluded(r, "cache/deep/file", false));
  EXPECT_FALSE(is_excluded(r, "other", false));
}

TEST(FilterRulesTest, WireTextAndRefusals) {
  EXPECT_EQ(wire_text(*parse_rule("- build/")), "- build/");
  EXPECT_EQ(wire_text(*parse_rule("exclude /x")), "- /x");
  EXPECT_EQ(wire_text(*parse_rule("+ c/***")), "+ c/***");
  EXPECT_EQ(parse_rule(". merge-file").status().exit_status(), 4);
  EXPECT_EQ(parse_rule("-/ x").status().exit_status(), 4);  // absolute-path rules
  EXPECT_EQ(parse_rule("bogus x").status().exit_status(), 1);
  EXPECT_EQ(parse_rule("-q x").status().exit_status(), 1);
  EXPECT_EQ(parse_rule("+").status().exit_status(), 1);
  // "!" negates: the rule matches what the pattern does not.
  const auto neg = rules({"-! *.txt"});
  EXPECT_TRUE(is_excluded(neg, "a.dat", false));
  EXPECT_FALSE(is_excluded(neg, "a.txt", false));
  EXPECT_EQ(wire_text(neg[0]), "-! *.txt");
  // Long names with modifiers, and the merge forms.
  EXPECT_EQ(wire_text(*parse_rule("hide,! x")), "-!s x");
  EXPECT_EQ(wire_text(*parse_rule("dir-merge,n- .x")), ":n- .x");
  EXPECT_EQ(wire_text(*parse_rule(": /.rsync-filter")), ": /.rsync-filter");
  EXPECT_EQ(wire_text(*parse_rule(":C")), ":C .cvsignore");
  const auto e = rules({":e .f", "!", "- y", "dir-merge,e sub/.g"});
  ASSERT_EQ(e.size(), 3u);             // "!" cleared the first two
  EXPECT_EQ(wire_text(e[1]), "- .g");  // 'e': the file's own name, excluded first
  EXPECT_EQ(wire_text(e[2]), ": sub/.g");
  // Side modifiers: "s" rules hide from the sender only, "r" rules protect
  // on the receiver only.
  const auto side = rules({"-s *.dat", "-r keep"});
  EXPECT_TRUE(is_excluded(side, "a.dat", false, Side::kSender));
  EXPECT_FALSE(is_excluded(side, "a.dat", false, Side::kReceiver));
  EXPECT_FALSE(is_excluded(side, "keep", false, Side::kSender));
  EXPECT_TRUE(is_excluded(side, "keep", false, Side::kReceiver));
  EXPECT_EQ(wire_text(side[0]), "-s *.dat");
}

// Upstream's client adds "-p .~tmp~/" for --delay-updates and sends it;
// the perishable rule still excludes, on either side.
TEST(FilterRulesTest, PerishableModifier) {
  const auto r = rules({"-p .~tmp~/"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].perishable);
  EXPECT_TRUE(is_excluded(r, ".~tmp~", true, Side::kSender));
  EXPECT_TRUE(is_excluded(r, "a/.~tmp~", true, Side::kReceiver));
  EXPECT_FALSE(is_excluded(r, ".~tmp~", false, Side::kSender));  // directories only
  EXPECT_EQ(wire_text(r[0]), "-p .~tmp~/");
  EXPECT_EQ(wire_text(r[0], 29), "- .~tmp~/");  // 'p' travels from protocol 30
}

// The one-letter shorthands map to side modifiers, and a rule only the
// local side uses is not sent (upstream send_rules).
TEST(FilterRulesTest, ShorthandsAndElision) {
  const auto r = rules({"P *~", "H *.o", "S keep.o", "R risk~"});
  EXPECT_EQ(wire_text(r[0]), "-r *~");
  EXPECT_EQ(wire_text(r[1]), "-s *.o");
  EXPECT_EQ(wire_text(r[2]), "+s keep.o");
  EXPECT_EQ(wire_text(r[3]), "+r risk~");
  EXPECT_TRUE(sent_to_peer(r[0], /*am_sender=*/true));
  EXPECT_FALSE(sent_to_peer(r[0], /*am_sender=*/false));
  EXPECT_FALSE(sent_to_peer(r[1], /*am_sender=*/true));
  EXPECT_TRUE(sent_to_peer(r[1], /*am_sender=*/false));
  EXPECT_TRUE(is_excluded(r, "a~", false, Side::kReceiver));
  EXPECT_FALSE(is_excluded(r, "a~", false, Side::kSender));
}

}  // namespace
}  // namespace crsync::filter
