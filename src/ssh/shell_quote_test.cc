#include "ssh/shell_quote.h"

#include <gtest/gtest.h>

#include "tests/harness/run_command.h"

namespace kelola {
namespace {

const std::vector<std::string> kNastyWords = {"plain",
                                              "",
                                              "two words",
                                              "it's",
                                              "'",
                                              "''",
                                              "\"double\"",
                                              "$HOME",
                                              "$(touch /tmp/kelola-pwned)",
                                              "`id`",
                                              "a;b",
                                              "a&&b",
                                              "a|b",
                                              "*",
                                              "?",
                                              "[a]",
                                              "~",
                                              "-n",
                                              "--",
                                              "back\\slash",
                                              "new\nline",
                                              "tab\there",
                                              "#comment",
                                              "!bang",
                                              "{a,b}",
                                              "unicode: héllo ✓",
                                              "trailing space ",
                                              "\x01\x7f"};

TEST(ShellQuoteTest, LeavesPlainWordsBare) {
  EXPECT_EQ(ShellQuote("ls"), "ls");
  EXPECT_EQ(ShellQuote("/etc/nginx/nginx.conf"), "/etc/nginx/nginx.conf");
  EXPECT_EQ(ShellQuote("user@host:1,2%+"), "user@host:1,2%+");
}

TEST(ShellQuoteTest, QuotesEverythingElse) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("two words"), "'two words'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(rm -rf /)"), "'$(rm -rf /)'");
}

// The real test: a POSIX shell turns the quoted words back into exactly
// the original bytes, whatever they contain.
TEST(ShellQuoteTest, RoundTripsThroughARealShell) {
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), kNastyWords.begin(), kNastyWords.end());
  auto line = ShellJoin(argv);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  for (const char* shell : {"/bin/sh", "/bin/bash"}) {
    auto run = harness::RunCommand({shell, "-c", *line});
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    ASSERT_EQ(run->exit_code, 0) << shell << ": " << run->err;
    std::string expected;
    for (const auto& word : kNastyWords) expected += word + std::string(1, '\0');
    EXPECT_EQ(run->out, expected) << shell;
  }
}

TEST(ShellQuoteTest, JoinRejectsNulAndEmptyArgv) {
  auto nul = ShellJoin({"echo", std::string("a\0b", 3)});
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nul.status().message().find("argument 1"), std::string::npos);
  EXPECT_FALSE(ShellJoin({}).ok());
  EXPECT_FALSE(RemoteShellCommand(std::string("a\0", 2), false).ok());
  EXPECT_FALSE(RemoteShellCommand("", true).ok());
}

TEST(ShellQuoteTest, SudoWrapsArgvAndShellCommands) {
  EXPECT_EQ(*RemoteArgvCommand({"systemctl", "restart", "my app"}, true), "sudo -n -- systemctl restart 'my app'");
  EXPECT_EQ(*RemoteArgvCommand({"id"}, false), "id");
  EXPECT_EQ(*RemoteShellCommand("echo $HOME; id", false), "echo $HOME; id");
  EXPECT_EQ(*RemoteShellCommand("echo $HOME; id", true), "sudo -n -- /bin/sh -c 'echo $HOME; id'");
  EXPECT_EQ(*RemoteArgvCommand({"id"}, true, {"/opt/fake sudo", "-n", "--"}), "'/opt/fake sudo' -n -- id");
}

}  // namespace
}  // namespace kelola
