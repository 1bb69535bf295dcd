#include "base/config_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kelola {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

ConfigKey Key(std::string name, ConfigType type, std::string def) {
  ConfigKey k;
  k.name = std::move(name);
  k.type = type;
  k.default_value = std::move(def);
  return k;
}

std::string ErrorOf(const ConfigKey& key, std::string_view text) {
  auto r = ParseConfigText(key, text);
  EXPECT_FALSE(r.ok()) << "parsed: " << text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ParseDurationTest, UnitsAndCompounds) {
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(*ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*ParseDuration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("1m1s1ms"), milliseconds(61'001));
  EXPECT_EQ(*ParseDuration(" 10s "), milliseconds(10'000));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(ParseDurationTest, RejectsMalformed) {
  for (const char* bad :
       {"", "30", "s", "-5s", "1.5s", "5x", "5 s", "1h30", "ms5", "99999999999999999999s", "999999999999999d"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_EQ(ParseDuration("30").status().message(), "expected a duration like 30s, 5m or 1h30m, got \"30\"");
}

TEST(FormatDurationTest, ShortestRoundTrip) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(90'061'001)), "1d1h1m1s1ms");
  for (int64_t ms : {1, 999, 1000, 61'000, 86'400'000, 123'456'789}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(milliseconds(ms))), milliseconds(ms));
  }
}

TEST(ParseConfigTextTest, Ints) {
  ConfigKey port = Key("port", ConfigType::kInt, "0");
  EXPECT_EQ(std::get<int64_t>(*ParseConfigText(port, "7480")), 7480);
  EXPECT_EQ(std::get<int64_t>(*ParseConfigText(port, "-3")), -3);
  EXPECT_EQ(std::get<int64_t>(*ParseConfigText(port, "+3")), 3);
  EXPECT_EQ(ErrorOf(port, "abc"), "expected an integer, got \"abc\"");
  EXPECT_EQ(ErrorOf(port, "12abc"), "expected an integer, got \"12abc\"");
  EXPECT_EQ(ErrorOf(port, ""), "expected an integer, got \"\"");
  EXPECT_EQ(ErrorOf(port, "+-3"), "expected an integer, got \"+-3\"");
  EXPECT_EQ(ErrorOf(port, "99999999999999999999"), "expected an integer, got \"99999999999999999999\"");
}

TEST(ParseConfigTextTest, IntRange) {
  ConfigKey port = Key("port", ConfigType::kInt, "80");
  port.min = 1;
  port.max = 65535;
  EXPECT_EQ(ErrorOf(port, "70000"), "expected an integer from 1 to 65535, got \"70000\"");
  ConfigKey workers = Key("workers", ConfigType::kInt, "1");
  workers.min = 1;
  EXPECT_EQ(ErrorOf(workers, "0"), "expected an integer >= 1, got \"0\"");
  workers.min.reset();
  workers.max = 8;
  EXPECT_EQ(ErrorOf(workers, "9"), "expected an integer <= 8, got \"9\"");
}

TEST(ParseConfigTextTest, Bools) {
  ConfigKey tls = Key("tls", ConfigType::kBool, "false");
  for (const char* yes : {"true", "TRUE", "yes", "Yes", "on", "1"}) {
    EXPECT_TRUE(std::get<bool>(*ParseConfigText(tls, yes))) << yes;
  }
  for (const char* no : {"false", "False", "no", "NO", "off", "0"}) {
    EXPECT_FALSE(std::get<bool>(*ParseConfigText(tls, no))) << no;
  }
  EXPECT_EQ(ErrorOf(tls, "maybe"), "expected a boolean (true|false|yes|no|on|off|1|0), got \"maybe\"");
}

TEST(ParseConfigTextTest, ListsSplitOnCommasAndTrim) {
  ConfigKey tags = Key("tags", ConfigType::kStringList, "");
  using List = std::vector<std::string>;
  EXPECT_EQ(std::get<List>(*ParseConfigText(tags, "")), List{});
  EXPECT_EQ(std::get<List>(*ParseConfigText(tags, "  ")), List{});
  EXPECT_EQ(std::get<List>(*ParseConfigText(tags, "a")), List{"a"});
  EXPECT_EQ(std::get<List>(*ParseConfigText(tags, "a, b ,c")), (List{"a", "b", "c"}));
  EXPECT_EQ(std::get<List>(*ParseConfigText(tags, "a,,b")), (List{"a", "", "b"}));
}

TEST(ParseConfigTextTest, EnumeratedStringsAndListItems) {
  ConfigKey level = Key("log.level", ConfigType::kString, "info");
  level.allowed = {"debug", "info", "warn", "error"};
  EXPECT_EQ(std::get<std::string>(*ParseConfigText(level, "warn")), "warn");
  EXPECT_EQ(ErrorOf(level, "loud"), "expected one of debug|info|warn|error, got \"loud\"");
  ConfigKey sinks = Key("sinks", ConfigType::kStringList, "local");
  sinks.allowed = {"local", "loki"};
  EXPECT_TRUE(ParseConfigText(sinks, "loki,local").ok());
  EXPECT_EQ(ErrorOf(sinks, "local,es"), "expected one of local|loki, got \"es\"");
}

TEST(ParseConfigTextTest, SecretValuesAreNeverEchoed) {
  ConfigKey pin = Key("pin", ConfigType::kInt, "0");
  pin.secret = true;
  EXPECT_EQ(ErrorOf(pin, "s3cr3t"), "expected an integer, got a value that is not shown (secret)");
  ConfigKey ttl = Key("ttl", ConfigType::kDuration, "0");
  ttl.secret = true;
  EXPECT_THAT(ErrorOf(ttl, "s3cr3t"), ::testing::Not(HasSubstr("s3cr3t")));
}

TEST(QuoteForErrorTest, EscapesAndTruncates) {
  EXPECT_EQ(QuoteForError("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
  EXPECT_EQ(QuoteForError(std::string(100, 'x')), "\"" + std::string(64, 'x') + "\"...");
}

TEST(ConfigSchemaTest, EnvironmentNames) {
  EXPECT_EQ(ConfigEnvironmentName("log.format"), "KELOLA_LOG_FORMAT");
  EXPECT_EQ(ConfigEnvironmentName("data_dir"), "KELOLA_DATA_DIR");
  ConfigSchema schema;
  schema.Add(Key("log.format", ConfigType::kString, "text"));
  ASSERT_NE(schema.FindByEnvironmentName("KELOLA_LOG_FORMAT"), nullptr);
  EXPECT_EQ(schema.FindByEnvironmentName("KELOLA_LOG_FORMAT")->name, "log.format");
  EXPECT_EQ(schema.FindByEnvironmentName("KELOLA_LOG"), nullptr);
  EXPECT_TRUE(schema.IsSection("log"));
  EXPECT_FALSE(schema.IsSection("lo"));
  EXPECT_FALSE(schema.IsSection("log.format"));
}

TEST(ConfigSchemaTest, DescribeIsAMarkdownTable) {
  ConfigSchema schema;
  ConfigKey listen = Key("listen", ConfigType::kString, "127.0.0.1:7480");
  listen.description = "Address the API listens on.";
  schema.Add(listen);
  ConfigKey level = Key("log.level", ConfigType::kString, "info");
  level.description = "Lowest level logged.";
  level.allowed = {"debug", "info"};
  schema.Add(level);
  ConfigKey port = Key("port", ConfigType::kInt, "80");
  port.description = "A|B";
  port.min = 1;
  schema.Add(port);
  ConfigKey token = Key("api.secret", ConfigType::kString, "changeme");
  token.secret = true;
  schema.Add(token);
  schema.Add(Key("tags", ConfigType::kStringList, ""));
  EXPECT_EQ(schema.Describe(),
            "| Key | Type | Default | Environment | Description |\n"
            "|---|---|---|---|---|\n"
            "| `listen` | string | `127.0.0.1:7480` | `KELOLA_LISTEN` | Address the API listens on. |\n"
            "| `log.level` | string | `info` | `KELOLA_LOG_LEVEL` | Lowest level logged. One of: debug, "
            "info. |\n"
            "| `port` | int | `80` | `KELOLA_PORT` | A\\|B Range: 1 to +inf. |\n"
            "| `api.secret` | string | (secret) | `KELOLA_API_SECRET` |  |\n"
            "| `tags` | list | (empty) | `KELOLA_TAGS` |  |\n");
}

using ConfigSchemaDeathTest = ::testing::Test;

TEST_F(ConfigSchemaDeathTest, DeclarationMistakesAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(ConfigSchema().Add(Key("Bad-Name", ConfigType::kString, "")), "invalid key name");
  EXPECT_DEATH(ConfigSchema().Add(Key("a..b", ConfigType::kString, "")), "invalid key name");
  EXPECT_DEATH(ConfigSchema().Add(Key("port", ConfigType::kInt, "x")), "bad default");
  EXPECT_DEATH(
      {
        ConfigSchema s;
        s.Add(Key("a", ConfigType::kString, ""));
        s.Add(Key("a", ConfigType::kInt, "0"));
      },
      "declared twice");
  EXPECT_DEATH(
      {
        ConfigSchema s;
        s.Add(Key("data_dir", ConfigType::kString, ""));
        s.Add(Key("data.dir", ConfigType::kString, ""));
      },
      "share the variable KELOLA_DATA_DIR");
  EXPECT_DEATH(
      {
        ConfigSchema s;
        s.Add(Key("log.level", ConfigType::kString, ""));
        s.Add(Key("log", ConfigType::kString, ""));
      },
      "also a section");
  EXPECT_DEATH(
      {
        ConfigSchema s;
        s.Add(Key("log", ConfigType::kString, ""));
        s.Add(Key("log.level", ConfigType::kString, ""));
      },
      "inside key \"log\"");
  EXPECT_DEATH(
      {
        ConfigKey k = Key("n", ConfigType::kInt, "0");
        k.allowed = {"1"};
        ConfigSchema().Add(k);
      },
      "allowed values need");
}

}  // namespace
}  // namespace kelola
