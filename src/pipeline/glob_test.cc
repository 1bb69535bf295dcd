#include "pipeline/glob.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(GlobTest, StarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("main", "main"));
  EXPECT_FALSE(GlobMatch("main", "mains"));
  EXPECT_TRUE(GlobMatch("release/*", "release/1.2"));
  EXPECT_FALSE(GlobMatch("release/*", "release/1.2/hotfix"));
  EXPECT_TRUE(GlobMatch("release/**", "release/1.2/hotfix"));
  EXPECT_TRUE(GlobMatch("v?.*", "v1.2"));
  EXPECT_FALSE(GlobMatch("v?", "v/"));
  EXPECT_TRUE(GlobMatch("docs/**", "docs/a/b/c.md"));
  EXPECT_TRUE(GlobMatch("**/*.md", "README.md"));
  EXPECT_TRUE(GlobMatch("**/*.md", "docs/x/README.md"));
  EXPECT_FALSE(GlobMatch("**/*.md", "docs/x/README.txt"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
}

TEST(GlobTest, ManyStarsStayFast) {
  std::string text(3000, 'a');
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(GlobMatch(pattern, text));  // memoised: no exponential backtracking
}

TEST(GlobTest, EmptyListMatchesEverything) {
  EXPECT_TRUE(AnyGlobMatches({}, "x"));
  EXPECT_TRUE(AnyGlobMatches({"a", "x*"}, "xy"));
  EXPECT_FALSE(AnyGlobMatches({"a"}, "xy"));
}

}  // namespace
}  // namespace kelola
