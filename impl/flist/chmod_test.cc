#include "flist/chmod.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace crsync::flist {
namespace {

mode_t apply(const std::string& spec, mode_t mode, mode_t umask = 022) {
  ChmodRules r;
  EXPECT_TRUE(r.add(spec, umask).ok()) << spec;
  return r.apply(mode);
}

constexpr mode_t kReg = S_IFREG, kDir = S_IFDIR;

TEST(ChmodTest, SymbolicClauses) {
  EXPECT_EQ(apply("u+x", kReg | 0644), kReg | 0744);
  EXPECT_EQ(apply("go-w", kReg | 0666), kReg | 0644);
  EXPECT_EQ(apply("a=r", kReg | 0755), kReg | 0444);
  EXPECT_EQ(apply("u=rw,go=r", kReg | 0700), kReg | 0644);
  EXPECT_EQ(apply("o=", kReg | 0777), kReg | 0770);
}

TEST(ChmodTest, WhoLessClausesHonourTheUmask) {
  EXPECT_EQ(apply("+w", kReg | 0444, 022), kReg | 0644);
  EXPECT_EQ(apply("+w", kReg | 0444, 0), kReg | 0666);
  EXPECT_EQ(apply("-w", kReg | 0666, 022), kReg | 0466);  // the umask limits "-" too
}

TEST(ChmodTest, DirectoryAndFileOnlyClauses) {
  EXPECT_EQ(apply("Dg+s,Fu-w", kDir | 0755), kDir | 02755);
  EXPECT_EQ(apply("Dg+s,Fu-w", kReg | 0644), kReg | 0444);
  EXPECT_EQ(apply("D755,F644", kDir | 0700), kDir | 0755);
  EXPECT_EQ(apply("D755,F644", kReg | 0600), kReg | 0644);
}

// 'X' adds execute to directories and to files that had some x bit before
// the first change.
TEST(ChmodTest, CapitalXKeepsExecutabilityOnly) {
  EXPECT_EQ(apply("a+X", kReg | 0644), kReg | 0644);
  EXPECT_EQ(apply("a+X", kReg | 0744), kReg | 0755);
  EXPECT_EQ(apply("a+X", kDir | 0600), kDir | 0711);
  EXPECT_EQ(apply("u+x,g+X", kReg | 0644), kReg | 0744);  // judged on the original mode
}

TEST(ChmodTest, SpecialBitsAndOctal) {
  EXPECT_EQ(apply("u+s", kReg | 0755), kReg | 04755);
  EXPECT_EQ(apply("g+s", kReg | 0755), kReg | 02755);
  EXPECT_EQ(apply("+t", kDir | 0777), kDir | 01777);
  EXPECT_EQ(apply("u=rx", kReg | 04755), kReg | 04555);  // "=" without "s" keeps setuid
}

TEST(ChmodTest, InvalidArgumentsAreRefused) {
  for (const char* bad : {"", ",", "u", "u+q", "8", "u755", "DF+x", "u+x,", "07777777", "FD644"}) {
    ChmodRules r;
    const Status s = r.add(bad, 022);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.exit_status(), 1) << bad;
    EXPECT_TRUE(r.empty()) << bad;
  }
}

}  // namespace
}  // namespace crsync::flist
