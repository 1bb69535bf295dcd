#include "logs/log_parser.h"

#include <gtest/gtest.h>

#include <map>

namespace kelola {
namespace {

using Fields = std::map<std::string, std::string>;
constexpr int64_t kNow = 1'795'789'240'000;  // 2026-11-27T14:20:40Z

struct Case {
  std::string text;
  bool parsed;
  std::string level;
  Fields fields;
};

std::unique_ptr<LogParser> Make(LogParserKind kind, std::string regex = "", size_t max_fields = 64) {
  auto p = MakeLogParser({.kind = kind, .regex = std::move(regex), .max_fields = max_fields});
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(*p) : nullptr;
}

void RunCases(LogParser& parser, const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    LogRecord r;
    r.text = c.text;
    EXPECT_EQ(parser.Parse(r, kNow), c.parsed) << c.text;
    EXPECT_EQ(r.text, c.text) << "the text is never changed";
    EXPECT_EQ(r.level, c.level) << c.text;
    EXPECT_EQ(r.fields, c.fields) << c.text;
  }
}

TEST(LogParserTest, Json) {
  auto p = Make(LogParserKind::kJson);
  RunCases(*p,
           {
               {R"({"level":"WARN","msg":"disk \"full\"","n":42,"ok":true,"x":null,"o":{"a":[1, 2]}})", true, "warn",
                Fields{{"level", "WARN"},
                       {"msg", "disk \"full\""},
                       {"n", "42"},
                       {"ok", "true"},
                       {"x", ""},
                       {"o", R"({"a":[1,2]})"}}},
               {R"({"level":50,"time":1,"msg":"pino"})", true, "error",
                Fields{{"level", "50"}, {"time", "1"}, {"msg", "pino"}}},
               {R"({"severity":"loud","lvl":"E"})", true, "error", Fields{{"severity", "loud"}, {"lvl", "E"}}},
               {R"({"a":"1","a":"2"})", true, "", Fields{{"a", "2"}}},  // the last of repeated keys
               {R"({})", true, "", Fields{}},
               {R"([1,2])", false, "", {}},
               {R"("just a string")", false, "", {}},
               {R"({"a":1)", false, "", {}},
               {R"({"a":1} trailing)", false, "", {}},
               {"{\"a\":\"\xff\xfe\"}", false, "", {}},  // invalid UTF-8
               {"plain text line", false, "", {}},
               {"", false, "", {}},
           });
}

TEST(LogParserTest, JsonHugeLineAndFieldLimit) {
  auto p = Make(LogParserKind::kJson, "", 2);
  LogRecord r;
  r.text = R"({"a":"1","b":"2","c":"3"})";
  ASSERT_TRUE(p->Parse(r, kNow));
  EXPECT_EQ(r.fields.size(), 2u);
  LogRecord big;
  big.text = R"({"msg":")" + std::string(10 << 20, 'x') + R"("})";
  ASSERT_TRUE(p->Parse(big, kNow));
  EXPECT_EQ(big.fields.at("msg").size(), 10u << 20);
  LogRecord deep;
  deep.text = std::string(100000, '[');
  EXPECT_FALSE(p->Parse(deep, kNow));
}

TEST(LogParserTest, Logfmt) {
  auto p = Make(LogParserKind::kLogfmt);
  RunCases(*p,
           {
               {R"(ts=2026-11-27T12:00:00Z level=warn msg="disk \"full\"\n" user=ana)", true, "warn",
                Fields{{"ts", "2026-11-27T12:00:00Z"}, {"level", "warn"}, {"msg", "disk \"full\"\n"}, {"user", "ana"}}},
               {"  a=1\tdebug  b=  ", true, "", Fields{{"a", "1"}, {"debug", "true"}, {"b", ""}}},
               {R"(lvl=ERR a="")", true, "error", Fields{{"lvl", "ERR"}, {"a", ""}}},
               {"a=1 a=2", true, "", Fields{{"a", "1"}}},
               {"k=\xff\xfe", true, "", Fields{{"k", "\xff\xfe"}}},  // bytes pass through
               {"just some words", false, "", {}},
               {"", false, "", {}},
               {R"(a="unterminated)", false, "", {}},
               {R"(a="x"b)", false, "", {}},
               {R"(a=x"b")", false, "", {}},
               {"=value", false, "", {}},
               {R"("key"=1)", false, "", {}},
           });
}

TEST(LogParserTest, LogfmtHugeLine) {
  auto p = Make(LogParserKind::kLogfmt);
  LogRecord r;
  r.text = "level=info msg=\"" + std::string(10 << 20, 'x') + "\" big=" + std::string(1 << 20, 'y');
  ASSERT_TRUE(p->Parse(r, kNow));
  EXPECT_EQ(r.fields.at("msg").size(), 10u << 20);
  EXPECT_EQ(r.fields.at("big").size(), 1u << 20);
  EXPECT_EQ(r.level, "info");
}

TEST(LogParserTest, Regex) {
  auto p = Make(LogParserKind::kRegex, R"(^(?P<time>\S+) \[(?P<level>\w+)\] (?:(?P<user>[a-z]+): )?(?P<msg>.*)$)");
  RunCases(*p, {
                   {"2026-11-27 [WARNING] ana: disk full", true, "warn",
                    Fields{{"time", "2026-11-27"}, {"level", "WARNING"}, {"user", "ana"}, {"msg", "disk full"}}},
                   {"2026-11-27 [info] no user here", true, "info",
                    Fields{{"time", "2026-11-27"}, {"level", "info"}, {"msg", "no user here"}}},
                   // RE2 works on UTF-8: `.` does not match an invalid byte, so the line is kept raw.
                   {"2026-11-27 [x] \xff", false, "", {}},
                   {"does not match", false, "", {}},
                   {"", false, "", {}},
               });
  LogRecord huge;
  huge.text = "t [info] " + std::string(10 << 20, 'y');
  EXPECT_TRUE(p->Parse(huge, kNow));
}

TEST(LogParserTest, RegexNeedsAValidPatternWithNamedGroups) {
  EXPECT_EQ(MakeLogParser({.kind = LogParserKind::kRegex}).status().code(), StatusCode::kInvalidArgument);
  auto bad = MakeLogParser({.kind = LogParserKind::kRegex, .regex = "(?P<a>x"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("(?P<a>x"), std::string::npos);
  auto unnamed = MakeLogParser({.kind = LogParserKind::kRegex, .regex = "(x)"});
  ASSERT_FALSE(unnamed.ok());
  EXPECT_NE(unnamed.status().message().find("named group"), std::string::npos);
}

TEST(LogParserTest, Syslog) {
  auto p = Make(LogParserKind::kSyslog);
  RunCases(*p, {
                   {"<156>1 2026-11-27T14:25:57.999077+00:00 vm app 12 ID1 [q@1 k=\"v\"] n=5 hello", true, "warn",
                    Fields{{"facility", "local3"},
                           {"severity", "warning"},
                           {"timestamp", "2026-11-27T14:25:57.999Z"},
                           {"hostname", "vm"},
                           {"appname", "app"},
                           {"procid", "12"},
                           {"msgid", "ID1"},
                           {"q@1.k", "v"},
                           {"message", "n=5 hello"}}},
                   {"<11>Nov 27 14:25:58 vm app: failed", true, "error",
                    Fields{{"facility", "user"},
                           {"severity", "err"},
                           {"timestamp", "2026-11-27T14:25:58.000Z"},
                           {"hostname", "vm"},
                           {"appname", "app"},
                           {"message", "failed"}}},
                   {R"(<15>1 - - - - - [e@1 k=""])", true, "debug",
                    Fields{{"facility", "user"}, {"severity", "debug"}, {"e@1.k", ""}}},
                   {"Nov 27 14:25:58 vm cron[2]: from a file", true, "",
                    Fields{{"timestamp", "2026-11-27T14:25:58.000Z"},
                           {"hostname", "vm"},
                           {"appname", "cron"},
                           {"procid", "2"},
                           {"message", "from a file"}}},
                   {"<999>broken header n=7", false, "", {}},
                   {"n=8 no header at all", false, "", {}},
               });
}

TEST(LogParserTest, KindNames) {
  for (auto kind : {LogParserKind::kNone, LogParserKind::kJson, LogParserKind::kLogfmt, LogParserKind::kRegex,
                    LogParserKind::kSyslog}) {
    EXPECT_EQ(*ParseLogParserKind(LogParserKindName(kind)), kind);
  }
  EXPECT_FALSE(ParseLogParserKind("xml").ok());
  EXPECT_EQ(*MakeLogParser({}), nullptr);
}

}  // namespace
}  // namespace kelola
