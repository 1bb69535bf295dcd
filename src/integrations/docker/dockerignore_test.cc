#include "integrations/docker/dockerignore.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

DockerIgnore Parse(std::string_view text) {
  auto d = DockerIgnore::Parse(text);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? std::move(*d) : DockerIgnore();
}

TEST(DockerIgnoreTest, CleanPathLikeGo) {
  EXPECT_EQ(CleanPath(""), ".");
  EXPECT_EQ(CleanPath("a//b/./c/.."), "a/b");
  EXPECT_EQ(CleanPath("./foo/"), "foo");
  EXPECT_EQ(CleanPath("/../x"), "/x");
  EXPECT_EQ(CleanPath("../x/../../y"), "../../y");
  EXPECT_EQ(CleanPath("/"), "/");
}

// The examples of Docker's documentation.
TEST(DockerIgnoreTest, DocumentedExamples) {
  DockerIgnore d = Parse("# comment\n*/temp*\n*/*/temp*\ntemp?\n");
  EXPECT_EQ(d.size(), 3u);
  EXPECT_TRUE(d.Excludes("somedir/temporary.txt"));
  EXPECT_TRUE(d.Excludes("somedir/temp"));
  EXPECT_TRUE(d.Excludes("somedir/subdir/temporary.txt"));
  EXPECT_TRUE(d.Excludes("tempa"));
  EXPECT_FALSE(d.Excludes("temp"));
  EXPECT_FALSE(d.Excludes("temporary.txt"));
  EXPECT_FALSE(d.Excludes("a/b/c/temp"));

  DockerIgnore go = Parse("**/*.go\n");
  EXPECT_TRUE(go.Excludes("main.go"));
  EXPECT_TRUE(go.Excludes("a/b/c.go"));
  EXPECT_FALSE(go.Excludes("a/b/c.goo"));

  DockerIgnore md = Parse("*.md\n!README*.md\nREADME-secret.md\n");
  EXPECT_TRUE(md.Excludes("CHANGES.md"));
  EXPECT_FALSE(md.Excludes("README.md"));
  EXPECT_TRUE(md.Excludes("README-secret.md"));
  EXPECT_TRUE(md.has_exceptions());

  DockerIgnore md2 = Parse("*.md\nREADME-secret.md\n!README*.md\n");
  EXPECT_FALSE(md2.Excludes("README-secret.md"));
}

TEST(DockerIgnoreTest, ParentDirectoriesAndLeadingSlash) {
  DockerIgnore d = Parse("/node_modules\n./build/\n  spaced  \n");
  EXPECT_TRUE(d.Excludes("node_modules"));
  EXPECT_TRUE(d.Excludes("node_modules/x/y.js"));
  EXPECT_TRUE(d.Excludes("build/out.o"));
  EXPECT_TRUE(d.Excludes("spaced"));
  EXPECT_FALSE(d.Excludes("src/node_modules"));  // anchored at the root
  EXPECT_FALSE(d.Excludes("buildx"));
}

TEST(DockerIgnoreTest, ExceptionsReincludeBelowAnExcludedDirectory) {
  DockerIgnore d = Parse("docs\n!docs/keep.md\n");
  EXPECT_TRUE(d.Excludes("docs/other.md"));
  EXPECT_FALSE(d.Excludes("docs/keep.md"));
  DockerIgnore all = Parse("*\n!app\n!Dockerfile\n");
  EXPECT_TRUE(all.Excludes("secret.env"));
  EXPECT_FALSE(all.Excludes("app/main.c"));
  EXPECT_FALSE(all.Excludes("Dockerfile"));
}

TEST(DockerIgnoreTest, DoubleStarForms) {
  DockerIgnore d = Parse("a/**/z\nlogs/**\nx**y\n");
  EXPECT_TRUE(d.Excludes("a/z"));
  EXPECT_TRUE(d.Excludes("a/b/c/z"));
  EXPECT_FALSE(d.Excludes("a/bz"));
  EXPECT_TRUE(d.Excludes("logs/1/2.log"));
  EXPECT_TRUE(d.Excludes("xy"));
  EXPECT_TRUE(d.Excludes("x/q/y"));
  EXPECT_FALSE(d.Excludes("xqy"));  // "**" not followed by "/" is "(.*/)?"
}

TEST(DockerIgnoreTest, ClassesEscapesAndQuestionMark) {
  DockerIgnore d = Parse("file[0-9].txt\nnot[^a-c]\nlit\\*star\nq?\n[]]x\n");
  EXPECT_TRUE(d.Excludes("file7.txt"));
  EXPECT_FALSE(d.Excludes("filex.txt"));
  EXPECT_TRUE(d.Excludes("notd"));
  EXPECT_FALSE(d.Excludes("nota"));
  EXPECT_TRUE(d.Excludes("lit*star"));
  EXPECT_FALSE(d.Excludes("litXstar"));
  EXPECT_TRUE(d.Excludes("qa"));
  EXPECT_FALSE(d.Excludes("q/"));
  EXPECT_TRUE(d.Excludes("]x"));
  // '*', '?' and classes never match '/'.
  DockerIgnore slash = Parse("a*b\na?c\na[^x]d\n");
  EXPECT_FALSE(slash.Excludes("a/b"));
  EXPECT_FALSE(slash.Excludes("a/c"));
  EXPECT_FALSE(slash.Excludes("a/d"));
}

TEST(DockerIgnoreTest, BadPatternsNameTheLine) {
  auto bang = DockerIgnore::Parse("ok\n!\n");
  ASSERT_FALSE(bang.ok());
  EXPECT_EQ(bang.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bang.status().message().find("line 2"), std::string::npos);
  auto bracket = DockerIgnore::Parse("a\nb\nfile[0-9\n");
  ASSERT_FALSE(bracket.ok());
  EXPECT_NE(bracket.status().message().find("line 3"), std::string::npos);
  EXPECT_FALSE(DockerIgnore::Parse("trailing\\").ok());
  EXPECT_FALSE(DockerIgnore::Parse("[z-a]").ok());
}

TEST(DockerIgnoreTest, HostilePatternsStayFast) {
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  const std::string path = std::string(2000, 'a') + "b";
  DockerIgnore d = Parse(pattern + "\n**/**/**/**/**/**/b\n");
  EXPECT_FALSE(d.Excludes(path));  // DP: no exponential backtracking
}

}  // namespace
}  // namespace kelola::docker
