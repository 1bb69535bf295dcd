#include "base/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

namespace kelola {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// 2026-11-27T11:08:24.123Z
WallTime TestTime() { return WallTime(std::chrono::milliseconds(1795777704123)); }

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override { InitLogging(LogFormat::kText, LogLevel::kInfo); }
  FakeClock clock_{TestTime()};
  std::ostringstream out_;
};

TEST(LogFormatTest, TextLineMatchesTheDocumentedShape) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kInfo, "server listening",
                          {{"addr", "127.0.0.1:7480"}, {"version", "0.1.0"}}),
            "2026-11-27T11:08:24.123Z INFO  server listening addr=127.0.0.1:7480 version=0.1.0");
}

TEST(LogFormatTest, TextLevelsArePaddedToOneWidth) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kDebug, "m", {}), "2026-11-27T11:08:24.123Z DEBUG m");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kWarn, "m", {}), "2026-11-27T11:08:24.123Z WARN  m");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kError, "m", {}), "2026-11-27T11:08:24.123Z ERROR m");
}

TEST(LogFormatTest, TextQuotesValuesThatWouldNotSplitBack) {
  std::string line = FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kInfo, "m",
                                   {{"path", "/srv/my app"},
                                    {"empty", ""},
                                    {"q", "say \"hi\""},
                                    {"eq", "a=b"},
                                    {"nl", "two\nlines"},
                                    {"bs", "C:\\x"}});
  EXPECT_EQ(line,
            "2026-11-27T11:08:24.123Z INFO  m path=\"/srv/my app\" empty=\"\" q=\"say \\\"hi\\\"\" "
            "eq=\"a=b\" nl=\"two\\nlines\" bs=\"C:\\\\x\"");
}

TEST(LogFormatTest, TextMessageStaysOnOneLine) {
  std::string line = FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kWarn, "bad\nthing\r\x01", {});
  EXPECT_EQ(line, "2026-11-27T11:08:24.123Z WARN  bad\\nthing\\r\\x01");
}

TEST(LogFormatTest, FieldsConvertNumbersAndBools) {
  std::string line = FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kInfo, "m",
                                   {{"port", 7480}, {"tls", true}, {"ratio", 0.25}, {"neg", -3L}});
  EXPECT_EQ(line, "2026-11-27T11:08:24.123Z INFO  m port=7480 tls=true ratio=0.25 neg=-3");
}

TEST(LogFormatTest, JsonLineHasEnvelopeThenFieldsInOrder) {
  std::string line = FormatLogLine(LogFormat::kJson, TestTime(), LogLevel::kInfo, "server listening",
                                   {{"addr", "127.0.0.1:7480"}, {"n", 3}});
  EXPECT_EQ(line, R"({"ts":"2026-11-27T11:08:24.123Z","level":"info","msg":"server listening",)"
                  R"("addr":"127.0.0.1:7480","n":"3"})");
}

TEST(LogFormatTest, JsonEscapesAndStaysValid) {
  std::string nasty = "q\"b\\n\nt\tc\x01 bad\xff\xfe utf8 \xc3\xa9";
  std::string line = FormatLogLine(LogFormat::kJson, TestTime(), LogLevel::kError, nasty, {{"k\"ey", nasty}});
  auto parsed = nlohmann::json::parse(line);  // throws (fails the test) if invalid
  EXPECT_EQ(parsed["level"], "error");
  std::string expected = "q\"b\\n\nt\tc\x01 bad\xEF\xBF\xBD\xEF\xBF\xBD utf8 \xc3\xa9";
  EXPECT_EQ(parsed["msg"], expected);
  EXPECT_EQ(parsed["k\"ey"], expected);
  EXPECT_THAT(line, HasSubstr(R"(\"b\\n\nt\tc\u0001 )"));
}

TEST(LogFormatTest, JsonFieldsCannotShadowTheEnvelope) {
  std::string line =
      FormatLogLine(LogFormat::kJson, TestTime(), LogLevel::kInfo, "real", {{"msg", "fake"}, {"level", "x"}});
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["msg"], "real");
  EXPECT_EQ(parsed["field.msg"], "fake");
  EXPECT_EQ(parsed["field.level"], "x");
}

TEST(LogFormatTest, SecretFieldsAreRedacted) {
  LogFields fields{{"password", "hunter2"},
                   {"api_token", "abc"},
                   {"Authorization", "Bearer x"},
                   {"client_secret", "s3"},
                   {"user", "ana"}};
  std::string text = FormatLogLine(LogFormat::kText, TestTime(), LogLevel::kInfo, "login", fields);
  std::string json = FormatLogLine(LogFormat::kJson, TestTime(), LogLevel::kInfo, "login", fields);
  for (const std::string& line : {text, json}) {
    EXPECT_THAT(line, Not(HasSubstr("hunter2")));
    EXPECT_THAT(line, Not(HasSubstr("abc")));
    EXPECT_THAT(line, Not(HasSubstr("Bearer")));
    EXPECT_THAT(line, Not(HasSubstr("s3")));
    EXPECT_THAT(line, HasSubstr("ana"));
  }
  EXPECT_THAT(text, HasSubstr("password=[REDACTED]"));
}

TEST(ParseLogLevelTest, AcceptsKnownNamesInAnyCase) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("INFO"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("Warning"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
}

TEST(ParseLogLevelTest, RejectsOthersNamingTheValue) {
  auto r = ParseLogLevel("loud");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "unknown log level \"loud\" (expected debug, info, warn or error)");
  EXPECT_FALSE(ParseLogLevel("").ok());
}

TEST(ParseLogFormatTest, TextAndJson) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("JSON"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warn");
}

TEST_F(LoggingTest, WritesTextLinesToTheSink) {
  InitLogging(LogFormat::kText, LogLevel::kInfo, &out_, &clock_);
  LogInfo("server listening", {{"addr", "127.0.0.1:7480"}, {"version", "0.1.0"}});
  LogError("boom");
  EXPECT_EQ(out_.str(),
            "2026-11-27T11:08:24.123Z INFO  server listening addr=127.0.0.1:7480 version=0.1.0\n"
            "2026-11-27T11:08:24.123Z ERROR boom\n");
}

TEST_F(LoggingTest, WritesJsonLinesToTheSink) {
  InitLogging(LogFormat::kJson, LogLevel::kDebug, &out_, &clock_);
  LogDebug("tick", {{"n", 1}});
  clock_.Advance(std::chrono::seconds(1));
  LogWarn("slow");
  EXPECT_EQ(out_.str(), R"({"ts":"2026-11-27T11:08:24.123Z","level":"debug","msg":"tick","n":"1"})"
                        "\n"
                        R"({"ts":"2026-11-27T11:08:25.123Z","level":"warn","msg":"slow"})"
                        "\n");
}

TEST_F(LoggingTest, DropsEventsBelowTheLevel) {
  InitLogging(LogFormat::kText, LogLevel::kWarn, &out_, &clock_);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarn));
  LogDebug("d");
  LogInfo("i");
  LogWarn("w");
  LogError("e");
  auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("WARN  w"));
  EXPECT_THAT(lines[1], HasSubstr("ERROR e"));
}

TEST_F(LoggingTest, FieldsCanBeBuiltIncrementally) {
  InitLogging(LogFormat::kText, LogLevel::kInfo, &out_, &clock_);
  LogFields fields;
  fields.Add({"host", "web-1"});
  if (true) fields.Add({"attempt", 2});
  LogInfo("retrying", fields);
  EXPECT_EQ(out_.str(), "2026-11-27T11:08:24.123Z INFO  retrying host=web-1 attempt=2\n");
}

TEST_F(LoggingTest, ConcurrentWritersNeverInterleaveLines) {
  InitLogging(LogFormat::kJson, LogLevel::kInfo, &out_, &clock_);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kPerThread; ++i) {
        LogInfo("event", {{"thread", t}, {"i", i}, {"pad", std::string(100, 'x')}});
      }
    });
  }
  // Swapping the logger while others log must be safe: each line goes whole
  // to one stream or the other.
  std::ostringstream second;
  InitLogging(LogFormat::kJson, LogLevel::kInfo, &second, &clock_);
  for (auto& th : threads) th.join();
  auto lines = Lines(out_.str());
  auto more = Lines(second.str());
  lines.insert(lines.end(), more.begin(), more.end());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const auto& line : lines) {
    auto parsed = nlohmann::json::parse(line);
    EXPECT_EQ(parsed["msg"], "event");
  }
}

}  // namespace
}  // namespace kelola
