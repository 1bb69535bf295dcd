#include "logs/syslog_message.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

// 2026-11-27T14:20:40Z
constexpr int64_t kNow = 1'795'789'240'000;

TEST(SyslogMessageTest, Rfc5424AsLoggerSendsIt) {
  auto m = ParseSyslog(
      "<156>1 2026-11-27T14:25:57.999077+00:00 vm app - - [timeQuality tzKnown=\"1\" isSynced=\"0\"] n=5 hello", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->version, 1);
  EXPECT_EQ(m->facility, 19);
  EXPECT_EQ(SyslogFacilityName(m->facility), "local3");
  EXPECT_EQ(m->severity, 4);
  EXPECT_EQ(SyslogSeverityName(m->severity), "warning");
  EXPECT_EQ(m->timestamp, "2026-11-27T14:25:57.999Z");
  EXPECT_EQ(m->hostname, "vm");
  EXPECT_EQ(m->app_name, "app");
  EXPECT_EQ(m->proc_id, "");
  EXPECT_EQ(m->msg_id, "");
  ASSERT_EQ(m->structured_data.size(), 1u);
  EXPECT_EQ(m->structured_data[0].id, "timeQuality");
  ASSERT_EQ(m->structured_data[0].params.size(), 2u);
  EXPECT_EQ(m->structured_data[0].params[1].second, "0");
  EXPECT_EQ(m->message, "n=5 hello");
}

TEST(SyslogMessageTest, Rfc5424ExamplesOfTheRfc) {
  // RFC 5424 section 6.5, examples 1, 3 and 4.
  auto m = ParseSyslog(
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed for lonvick",
      kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->facility, 4);
  EXPECT_EQ(m->severity, 2);
  EXPECT_EQ(m->msg_id, "ID47");
  EXPECT_EQ(m->time_ms, 1'065'910'455'003);
  EXPECT_EQ(m->message, "'su root' failed for lonvick");  // BOM removed

  m = ParseSyslog(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
      "eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]",
      kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->structured_data.size(), 2u);
  EXPECT_EQ(m->structured_data[1].params[0], (std::pair<std::string, std::string>{"class", "high"}));
  EXPECT_EQ(m->message, "");

  m = ParseSyslog("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
                  kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->timestamp, "2003-08-24T12:14:15.000Z");
  EXPECT_EQ(m->proc_id, "8710");
  EXPECT_EQ(m->message, "%% It's time to make the do-nuts.");
}

TEST(SyslogMessageTest, StructuredDataEscapesAndNilValues) {
  auto m = ParseSyslog(R"(<13>1 - - - - - [a@1 q="say \"hi\" \\ \] \n"] msg)", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->timestamp, "");
  EXPECT_EQ(m->hostname, "");
  EXPECT_EQ(m->structured_data[0].params[0].second, R"(say "hi" \ ] \n)");
  EXPECT_EQ(m->message, "msg");
}

TEST(SyslogMessageTest, Rfc3164WithAndWithoutHostAndPid) {
  auto m = ParseSyslog("<156>Nov 27 14:25:58 vm app: n=5 hello", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->version, 0);
  EXPECT_EQ(m->severity, 4);
  EXPECT_EQ(m->timestamp, "2026-11-27T14:25:58.000Z");
  EXPECT_EQ(m->hostname, "vm");
  EXPECT_EQ(m->app_name, "app");
  EXPECT_EQ(m->message, "n=5 hello");

  m = ParseSyslog("<34>Oct  1 22:14:15 mymachine su[123]: 'su root' failed", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->timestamp, "2026-10-01T22:14:15.000Z");
  EXPECT_EQ(m->proc_id, "123");
  EXPECT_EQ(m->app_name, "su");

  m = ParseSyslog("<13>Nov 27 14:20:00 sshd[99]: accepted", kNow);  // from /dev/log: no host
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->hostname, "");
  EXPECT_EQ(m->app_name, "sshd");
  EXPECT_EQ(m->message, "accepted");

  m = ParseSyslog("<13>Nov 27 14:20:00 host just some words", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->hostname, "host");
  EXPECT_EQ(m->app_name, "");
  EXPECT_EQ(m->message, "just some words");

  m = ParseSyslog("<13>2026-11-27T15:20:40.5+01:00 host app: forward format", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->time_ms, kNow + 500);
  EXPECT_EQ(m->message, "forward format");
}

TEST(SyslogMessageTest, FileLinesWithoutPriAreBsdLines) {
  auto m = ParseSyslog("Nov 27 14:20:00 vm sshd[1]: accepted", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->has_pri);
  EXPECT_EQ(m->hostname, "vm");
  EXPECT_EQ(m->app_name, "sshd");
  EXPECT_EQ(m->message, "accepted");
  m = ParseSyslog("2026-11-27T14:20:00.123456+00:00 vm app: rsyslog high precision", kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->timestamp, "2026-11-27T14:20:00.123Z");
  EXPECT_FALSE(ParseSyslog("1 - h a - - - RFC 5424 needs its PRI", kNow).ok());
}

TEST(SyslogMessageTest, BsdYearIsTheOneNearestToNow) {
  // Read on 2027-01-01: a line of Dec 31 is from 2026.
  const int64_t new_year = 1'798'761'600'000;  // 2027-01-01T00:00:00Z
  auto m = ParseSyslog("<13>Dec 31 23:59:59 h a: x", new_year + 1000);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->timestamp, "2026-12-31T23:59:59.000Z");
  m = ParseSyslog("<13>Jan  1 00:00:01 h a: x", new_year - 1000);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->timestamp, "2027-01-01T00:00:01.000Z");
  // Feb 29 exists only in leap years: 2028 is the nearest one with it.
  m = ParseSyslog("<13>Feb 29 12:00:00 h a: x", new_year);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->timestamp.substr(0, 10), "2028-02-29");
}

TEST(SyslogMessageTest, BrokenHeadersAreInvalidArgumentNamingWhat) {
  struct Case {
    std::string line;
    const char* needle;
  };
  const Case cases[] = {
      {"", "month"},
      {"no pri at all", "month"},
      {"2026-11-27 no time", "'T'"},
      {"<>1 - - - - - -", "no digits"},
      {"<192>1 - - - - - -", "above 191"},
      {"<0013>Nov 27 14:20:00 h a: x", "too many digits"},
      {"<13", "'>'"},
      {"<13>", "month"},
      {"<13>1 2026-13-01T00:00:00Z h a p m -", "out of range"},
      {"<13>1 2026-02-30T00:00:00Z h a p m -", "out of range"},
      {"<13>1 2026-11-27 00:00:00Z h a p m -", "'T'"},
      {"<13>1 2026-11-27T00:00:00 h a p m -", "offset"},
      {"<13>1 2026-11-27T00:00:00.1234567Z h a p m -", "fraction"},
      {"<13>1 - h a p", "MSGID"},
      {"<13>1 - h a p m", "structured data"},
      {"<13>1 - h a p m x", "structured data"},
      {"<13>1 - h a p m [id a=\"unterminated", "unterminated"},
      {"<13>1 - h a p m [id a=1]", "=\""},
      {"<13>1 - h a p m [id]x", "space before the message"},
      {"<13>1 - " + std::string(256, 'h') + " a p m -", "HOSTNAME"},
      {"<13>1 - h\x01 a p m -", "HOSTNAME"},
      {"<13>Foo 27 14:20:00 h a: x", "month"},
      {"<13>Nov 27 14:20 h a: x", "hh:mm:ss"},
      {"<13>Nov 32 14:20:00 h a: x", "range"},
      {"<13>Nov 27 14:20:00x h a: x", "space after the timestamp"},
  };
  for (const auto& c : cases) {
    auto m = ParseSyslog(c.line, kNow);
    ASSERT_FALSE(m.ok()) << c.line;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find(c.needle), std::string::npos) << c.line << " -> " << m.status().message();
  }
}

TEST(SyslogMessageTest, InvalidUtf8AndHugeMessagesPassThrough) {
  std::string huge(8 << 20, 'x');
  auto m = ParseSyslog("<13>1 - h a - - - " + huge, kNow);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->message.size(), huge.size());
  m = ParseSyslog("<13>Nov 27 14:20:00 h a: \xff\xfe\xc3", kNow);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->message, "\xff\xfe\xc3");
}

}  // namespace
}  // namespace kelola
