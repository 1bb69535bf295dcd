#include "logs/log_level.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(LogLevelTest, CommonSpellingsMapToTheCanonicalSet) {
  struct Case {
    const char* raw;
    const char* want;
  };
  const Case cases[] = {
      {"TRACE", "trace"},    {"trc", "trace"},   {"10", "trace"},
      {"debug", "debug"},    {"DBG", "debug"},   {"20", "debug"},
      {"7", "debug"},        {"INFO", "info"},   {"Information", "info"},
      {"notice", "info"},    {"30", "info"},     {"6", "info"},
      {"5", "info"},         {"WARN", "warn"},   {"WARNING", "warn"},
      {"W", "warn"},         {"40", "warn"},     {"4", "warn"},
      {"ERR", "error"},      {"Error", "error"}, {"E", "error"},
      {"50", "error"},       {"3", "error"},     {"CRIT", "fatal"},
      {"critical", "fatal"}, {"FATAL", "fatal"}, {"emerg", "fatal"},
      {"alert", "fatal"},    {"panic", "fatal"}, {"60", "fatal"},
      {"0", "fatal"},        {" warn ", "warn"}, {"", ""},
      {"loud", ""},          {"8", ""},          {"35", ""},
      {"warnings", ""},      {"\xff\xfe", ""},   {"information-ish-and-far-too-long", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(NormalizeLevel(c.raw), c.want) << c.raw;
}

TEST(LogLevelTest, SyslogSeveritiesAndRanks) {
  const char* want[8] = {"fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug"};
  for (int s = 0; s < 8; ++s) EXPECT_EQ(LevelOfSyslogSeverity(s), want[s]) << s;
  EXPECT_EQ(LevelOfSyslogSeverity(-1), "");
  EXPECT_EQ(LevelOfSyslogSeverity(8), "");
  EXPECT_LT(LevelRank("trace"), LevelRank("debug"));
  EXPECT_LT(LevelRank("warn"), LevelRank("error"));
  EXPECT_EQ(LevelRank("fatal"), 5);
  EXPECT_EQ(LevelRank("WARN"), -1);  // only canonical spellings
}

}  // namespace
}  // namespace kelola
