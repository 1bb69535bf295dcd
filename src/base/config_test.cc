#include "base/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace kelola {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Map = std::map<std::string, std::string>;
using List = std::vector<std::string>;

ConfigSchema TestSchema() {
  ConfigSchema schema;
  schema.Add({.name = "listen",
              .type = ConfigType::kString,
              .default_value = "127.0.0.1:7480",
              .description = "Address of the REST API."});
  schema.Add({.name = "data_dir",
              .type = ConfigType::kString,
              .default_value = "/var/lib/kelola",
              .description = "State directory."});
  schema.Add({.name = "log.format",
              .type = ConfigType::kString,
              .default_value = "text",
              .description = "Log line format.",
              .allowed = {"text", "json"}});
  schema.Add({.name = "log.level",
              .type = ConfigType::kString,
              .default_value = "info",
              .description = "Lowest level logged.",
              .allowed = {"debug", "info", "warn", "error"}});
  schema.Add({.name = "workers",
              .type = ConfigType::kInt,
              .default_value = "4",
              .description = "Worker threads.",
              .min = 1,
              .max = 256});
  schema.Add(
      {.name = "tls.enabled", .type = ConfigType::kBool, .default_value = "false", .description = "Serve HTTPS."});
  schema.Add({.name = "shutdown_grace",
              .type = ConfigType::kDuration,
              .default_value = "30s",
              .description = "Drain time on shutdown."});
  schema.Add({.name = "peers", .type = ConfigType::kStringList, .default_value = "", .description = "Other replicas."});
  schema.Add({.name = "store.password",
              .type = ConfigType::kString,
              .default_value = "",
              .description = "Database password.",
              .secret = true});
  return schema;
}

Result<Config> Load(std::string_view yaml, const Map& env = {}, const Map& flags = {}) {
  return LoadConfigFromString(TestSchema(), yaml, "config.yaml", env, flags);
}

std::string ErrorOf(std::string_view yaml, const Map& env = {}, const Map& flags = {}) {
  auto r = Load(yaml, env, flags);
  EXPECT_FALSE(r.ok()) << yaml;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(LoadConfigTest, DefaultsWhenNothingIsGiven) {
  auto config = Load("");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("listen"), "127.0.0.1:7480");
  EXPECT_EQ(config->GetString("log.format"), "text");
  EXPECT_EQ(config->GetInt("workers"), 4);
  EXPECT_FALSE(config->GetBool("tls.enabled"));
  EXPECT_EQ(config->GetDuration("shutdown_grace"), milliseconds(30'000));
  EXPECT_EQ(config->GetList("peers"), List{});
  EXPECT_EQ(config->SourceOf("listen"), "default");
}

TEST(LoadConfigTest, CommentsOnlyFileIsEmpty) {
  EXPECT_TRUE(Load("# nothing here\n\n").ok());
  EXPECT_TRUE(Load("---\n").ok());
}

TEST(LoadConfigTest, ReadsEveryTypeFromYaml) {
  auto config = Load(
      "listen: 0.0.0.0:8080\n"
      "data_dir: /srv/kelola\n"
      "log:\n"
      "  format: json\n"
      "  level: debug\n"
      "workers: 16\n"
      "tls:\n"
      "  enabled: yes\n"
      "shutdown_grace: 1m30s\n"
      "peers:\n"
      "  - 10.0.0.2:7480\n"
      "  - 10.0.0.3:7480\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("listen"), "0.0.0.0:8080");
  EXPECT_EQ(config->GetString("data_dir"), "/srv/kelola");
  EXPECT_EQ(config->GetString("log.format"), "json");
  EXPECT_EQ(config->GetString("log.level"), "debug");
  EXPECT_EQ(config->GetInt("workers"), 16);
  EXPECT_TRUE(config->GetBool("tls.enabled"));
  EXPECT_EQ(config->GetDuration("shutdown_grace"), milliseconds(90'000));
  EXPECT_EQ(config->GetList("peers"), (List{"10.0.0.2:7480", "10.0.0.3:7480"}));
  EXPECT_EQ(config->SourceOf("listen"), "config.yaml:1:9");
  EXPECT_EQ(config->SourceOf("log.level"), "config.yaml:5:10");
  EXPECT_EQ(config->SourceOf("peers"), "config.yaml:11:3");
}

TEST(LoadConfigTest, DottedKeysAndFlowMapsWorkToo) {
  auto config = Load("log.level: warn\ntls: {enabled: true}\npeers: [a, b]\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("log.level"), "warn");
  EXPECT_TRUE(config->GetBool("tls.enabled"));
  EXPECT_EQ(config->GetList("peers"), (List{"a", "b"}));
}

TEST(LoadConfigTest, BoolSpellings) {
  for (const char* yes : {"true", "yes", "on", "True"}) {
    auto config = Load(std::string("tls: {enabled: ") + yes + "}");
    ASSERT_TRUE(config.ok()) << yes;
    EXPECT_TRUE(config->GetBool("tls.enabled")) << yes;
  }
  for (const char* no : {"false", "no", "off", "NO"}) {
    auto config = Load(std::string("tls: {enabled: ") + no + "}");
    ASSERT_TRUE(config.ok()) << no;
    EXPECT_FALSE(config->GetBool("tls.enabled")) << no;
  }
}

TEST(LoadConfigTest, PrecedenceIsFileThenEnvironmentThenFlags) {
  std::string yaml = "listen: file:1\nworkers: 2\nlog: {level: warn}\n";
  Map env = {{"KELOLA_LISTEN", "env:1"}, {"KELOLA_WORKERS", "3"}};
  Map flags = {{"listen", "flag:1"}};
  auto config = Load(yaml, env, flags);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("listen"), "flag:1");
  EXPECT_EQ(config->SourceOf("listen"), "flag --listen");
  EXPECT_EQ(config->GetInt("workers"), 3);
  EXPECT_EQ(config->SourceOf("workers"), "environment KELOLA_WORKERS");
  EXPECT_EQ(config->GetString("log.level"), "warn");
  EXPECT_EQ(config->SourceOf("log.level"), "config.yaml:3:14");
  EXPECT_EQ(config->GetString("data_dir"), "/var/lib/kelola");
  EXPECT_EQ(config->SourceOf("data_dir"), "default");
}

TEST(LoadConfigTest, EnvironmentAndFlagsParseByType) {
  Map env = {{"KELOLA_LOG_FORMAT", "json"},
             {"KELOLA_TLS_ENABLED", "1"},
             {"KELOLA_PEERS", "a:1, b:2"},
             {"KELOLA_SHUTDOWN_GRACE", "5m"}};
  Map flags = {{"log.level", "error"}, {"workers", "8"}};
  auto config = Load("", env, flags);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("log.format"), "json");
  EXPECT_TRUE(config->GetBool("tls.enabled"));
  EXPECT_EQ(config->GetList("peers"), (List{"a:1", "b:2"}));
  EXPECT_EQ(config->GetDuration("shutdown_grace"), milliseconds(300'000));
  EXPECT_EQ(config->GetString("log.level"), "error");
  EXPECT_EQ(config->GetInt("workers"), 8);
}

TEST(LoadConfigErrorsTest, UnknownKeyInFileWithSuggestion) {
  EXPECT_EQ(ErrorOf("workers: 2\nlissten: x\n"), "config.yaml:2:1: unknown key \"lissten\" (did you mean \"listen\"?)");
  EXPECT_EQ(ErrorOf("log:\n  formt: json\n"),
            "config.yaml:2:3: unknown key \"log.formt\" (did you mean \"log.format\"?)");
  EXPECT_EQ(ErrorOf("logg:\n  level: info\n"), "config.yaml:1:1: unknown key \"logg\" (did you mean \"log\"?)");
  EXPECT_EQ(ErrorOf("completely_unrelated: 1\n"), "config.yaml:1:1: unknown key \"completely_unrelated\"");
}

TEST(LoadConfigErrorsTest, WrongValuesInFileNameKeyAndPosition) {
  EXPECT_EQ(ErrorOf("listen: x\nlog:\n  format: text\n  level:    loud\n"),
            "config.yaml:4:13: log.level: expected one of debug|info|warn|error, got \"loud\"");
  EXPECT_EQ(ErrorOf("workers: abc\n"), "config.yaml:1:10: workers: expected an integer, got \"abc\"");
  EXPECT_EQ(ErrorOf("workers: 1000\n"), "config.yaml:1:10: workers: expected an integer from 1 to 256, got \"1000\"");
  EXPECT_EQ(ErrorOf("tls:\n  enabled: maybe\n"),
            "config.yaml:2:12: tls.enabled: expected a boolean (true|false|yes|no|on|off|1|0), "
            "got \"maybe\"");
  EXPECT_EQ(ErrorOf("shutdown_grace: 30\n"),
            "config.yaml:1:17: shutdown_grace: expected a duration like 30s, 5m or 1h30m, got \"30\"");
}

TEST(LoadConfigErrorsTest, WrongShapesInFile) {
  EXPECT_EQ(ErrorOf("listen: [a, b]\n"), "config.yaml:1:9: listen: expected a string, got a list");
  EXPECT_EQ(ErrorOf("workers: {a: 1}\n"), "config.yaml:1:10: workers: expected an integer, got a mapping");
  EXPECT_EQ(ErrorOf("listen:\n"), "config.yaml:1:1: listen: expected a string, got an empty value");
  EXPECT_EQ(ErrorOf("peers: a,b\n"), "config.yaml:1:8: peers: expected a list of strings, got \"a,b\"");
  EXPECT_EQ(ErrorOf("peers:\n  - a\n  - [b]\n"),
            "config.yaml:2:3: peers: expected a list of strings, got a list as an item");
  EXPECT_EQ(ErrorOf("log: info\n"), "config.yaml:1:6: log: expected a mapping of log.* keys, got \"info\"");
  EXPECT_EQ(ErrorOf("- listen\n"), "config.yaml:1:1: expected a mapping of config keys, got a list");
  EXPECT_EQ(ErrorOf("just text\n"), "config.yaml:1:1: expected a mapping of config keys, got \"just text\"");
  EXPECT_EQ(ErrorOf("[a]: 1\n"), "config.yaml:1:1: expected a key name, got a list");
}

TEST(LoadConfigErrorsTest, DuplicateKeys) {
  EXPECT_EQ(ErrorOf("listen: a\nlisten: b\n"), "config.yaml:2:1: duplicate key \"listen\" (first set at 1:1)");
  EXPECT_EQ(ErrorOf("log.level: info\nlog:\n  level: warn\n"),
            "config.yaml:3:3: duplicate key \"log.level\" (first set at 1:1)");
}

TEST(LoadConfigErrorsTest, YamlSyntaxErrorsUseTheSameForm) {
  std::string message = ErrorOf("listen: a\nlog: {level: info\n");
  EXPECT_THAT(message, ::testing::MatchesRegex(R"(config\.yaml:[0-9]+:[0-9]+: .+)"));
  EXPECT_EQ(ErrorOf("a: b: c\n"), "config.yaml:1:5: illegal map value");
  EXPECT_EQ(ErrorOf("listen: [a, b\n"), "config.yaml:2:1: end of sequence flow not found");
  EXPECT_EQ(ErrorOf("listen: a\nlog: *missing\n"), "config.yaml:2:6: the referenced anchor is not defined");
}

TEST(LoadConfigErrorsTest, EnvironmentErrors) {
  EXPECT_EQ(ErrorOf("", {{"KELOLA_FOO", "1"}}), "environment KELOLA_FOO: unknown key");
  EXPECT_EQ(ErrorOf("", {{"KELOLA_LISTTEN", "1"}}),
            "environment KELOLA_LISTTEN: unknown key (did you mean KELOLA_LISTEN?)");
  EXPECT_EQ(ErrorOf("", {{"KELOLA_WORKERS", "abc"}}),
            "environment KELOLA_WORKERS: workers: expected an integer, got \"abc\"");
  EXPECT_EQ(ErrorOf("", {{"KELOLA_LOG_LEVEL", "loud"}}),
            "environment KELOLA_LOG_LEVEL: log.level: expected one of debug|info|warn|error, got "
            "\"loud\"");
}

TEST(LoadConfigErrorsTest, FlagErrors) {
  EXPECT_EQ(ErrorOf("", {}, {{"x", "1"}}), "flag --x: unknown key");
  EXPECT_EQ(ErrorOf("", {}, {{"workerz", "1"}}), "flag --workerz: unknown key (did you mean --workers?)");
  EXPECT_EQ(ErrorOf("", {}, {{"tls.enabled", "maybe"}}),
            "flag --tls.enabled: tls.enabled: expected a boolean (true|false|yes|no|on|off|1|0), "
            "got \"maybe\"");
}

TEST(LoadConfigErrorsTest, FileErrorsComeBeforeEnvironmentErrors) {
  EXPECT_THAT(ErrorOf("workers: x\n", {{"KELOLA_FOO", "1"}}), HasSubstr("config.yaml:1:10"));
}

TEST(LoadConfigErrorsTest, SecretsAreNotEchoed) {
  std::string message = ErrorOf("store:\n  password: [hunter2]\n");
  EXPECT_EQ(message, "config.yaml:2:13: store.password: expected a string, got a list");
  auto config = Load("store:\n  password: hunter2\n");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->GetString("store.password"), "hunter2");
  EXPECT_THAT(config->Dump(), HasSubstr("store.password = <redacted>  # config.yaml:2:13\n"));
  EXPECT_THAT(config->Dump(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(ConfigTest, DumpListsEffectiveValuesWithSources) {
  auto config = Load("workers: 2\n", {}, {{"peers", "a,b"}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->Dump(),
            "data_dir = /var/lib/kelola  # default\n"
            "listen = 127.0.0.1:7480  # default\n"
            "log.format = text  # default\n"
            "log.level = info  # default\n"
            "peers = a,b  # flag --peers\n"
            "shutdown_grace = 30s  # default\n"
            "store.password = <redacted>  # default\n"
            "tls.enabled = false  # default\n"
            "workers = 2  # config.yaml:1:10\n");
}

TEST(ConfigTest, CopiesShareValues) {
  auto config = Load("workers: 7\n");
  ASSERT_TRUE(config.ok());
  Config copy = *config;
  EXPECT_EQ(copy.GetInt("workers"), 7);
}

using ConfigDeathTest = ::testing::Test;

TEST_F(ConfigDeathTest, GettersAbortOnProgrammerErrors) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto config = Load("");
  ASSERT_TRUE(config.ok());
  EXPECT_DEATH((void)config->GetString("nope"), "key \"nope\" is not declared");
  EXPECT_DEATH((void)config->GetInt("listen"), "key \"listen\" is a string, read as a int");
  EXPECT_DEATH((void)Config().GetBool("tls.enabled"), "never loaded");
}

class LoadConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kelola_config_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::remove((dir_ + "/config.yaml").c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(LoadConfigFileTest, ReadsTheFileAndNamesItInErrors) {
  std::string path = dir_ + "/config.yaml";
  std::ofstream(path) << "workers: 5\nlisten: [x]\n";
  auto bad = LoadConfig(TestSchema(), path, {}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), path + ":2:9: listen: expected a string, got a list");
  std::ofstream(path) << "workers: 5\n";
  auto good = LoadConfig(TestSchema(), path, {}, {});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->GetInt("workers"), 5);
  EXPECT_EQ(good->SourceOf("workers"), path + ":1:10");
}

TEST_F(LoadConfigFileTest, MissingFileIsNotFound) {
  auto r = LoadConfig(TestSchema(), dir_ + "/absent.yaml", {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("absent.yaml"));
}

TEST_F(LoadConfigFileTest, DirectoryIsAnError) {
  auto r = LoadConfig(TestSchema(), dir_, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(dir_));
}

TEST_F(LoadConfigFileTest, EmptyPathSkipsTheFile) {
  auto r = LoadConfig(TestSchema(), "", {{"KELOLA_WORKERS", "9"}}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetInt("workers"), 9);
}

TEST(LoadConfigLimitsTest, HugeInputIsRejected) {
  std::string huge(kMaxConfigFileBytes + 1, '#');
  EXPECT_THAT(ErrorOf(huge), HasSubstr("larger than"));
}

TEST(LoadConfigLimitsTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "listen: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  EXPECT_THAT(ErrorOf(deep), HasSubstr("config.yaml:"));
}

TEST(KelolaEnvironmentTest, ReadsKelolaVariablesExceptExcluded) {
  setenv("KELOLA_TEST_ONLY_X", "1", 1);
  setenv("KELOLA_TOKEN", "secret", 1);
  setenv("NOT_KELOLA_Y", "2", 1);
  Map env = KelolaEnvironment();
  EXPECT_EQ(env.count("KELOLA_TEST_ONLY_X"), 1u);
  EXPECT_EQ(env["KELOLA_TEST_ONLY_X"], "1");
  EXPECT_EQ(env.count("KELOLA_TOKEN"), 0u);
  EXPECT_EQ(env.count("NOT_KELOLA_Y"), 0u);
  Map everything = KelolaEnvironment({});
  EXPECT_EQ(everything.count("KELOLA_TOKEN"), 1u);
  unsetenv("KELOLA_TEST_ONLY_X");
  unsetenv("KELOLA_TOKEN");
  unsetenv("NOT_KELOLA_Y");
  EXPECT_TRUE(NonConfigEnvironmentNames().count("KELOLA_SERVER"));
}

}  // namespace
}  // namespace kelola

namespace kelola {
namespace {

TEST(ConfigObjectsTest, ListOfMappingsIsValidatedPerItemWithPositions) {
  ConfigSchema schema;
  schema.Add({.name = "sinks", .type = ConfigType::kObjectList, .default_value = "", .description = "sinks."});
  auto empty = LoadConfigFromString(schema, "", "s.yaml", {}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->GetObjects("sinks").empty());

  auto config = LoadConfigFromString(schema,
                                     "sinks:\n"
                                     "  - name: es\n"
                                     "    tls:\n"
                                     "      ca_file: /ca.pem\n"
                                     "    tags: [a, b]\n"
                                     "  - name: other\n"
                                     "    password: s3cret\n",
                                     "s.yaml", {}, {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto items = config->GetObjects("sinks");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].fields.at("tls.ca_file").text, "/ca.pem");
  EXPECT_EQ(items[0].fields.at("tls.ca_file").source, "s.yaml:4:16");
  EXPECT_EQ(items[0].fields.at("tags").text, "a,b");
  EXPECT_EQ(config->Dump().find("s3cret"), std::string::npos) << "items may hold secrets";

  ConfigSchema item;
  item.Add({.name = "name", .type = ConfigType::kString, .default_value = "", .description = "n."});
  item.Add({.name = "tls.ca_file", .type = ConfigType::kString, .default_value = "", .description = "c."});
  item.Add({.name = "tags", .type = ConfigType::kStringList, .default_value = "", .description = "t."});
  auto first = LoadConfigFromObject(item, items[0]);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->GetString("tls.ca_file"), "/ca.pem");
  EXPECT_EQ(first->GetList("tags"), (std::vector<std::string>{"a", "b"}));
  auto second = LoadConfigFromObject(item, items[1]);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(), "s.yaml:7:15: unknown key \"password\"");

  EXPECT_FALSE(LoadConfigFromString(schema, "sinks: [a, b]\n", "s.yaml", {}, {}).ok());
  EXPECT_FALSE(LoadConfigFromString(schema, "sinks: x\n", "s.yaml", {}, {}).ok());
  EXPECT_FALSE(LoadConfigFromString(schema, "", "s.yaml", {{"KELOLA_SINKS", "x"}}, {}).ok());
}

}  // namespace
}  // namespace kelola
