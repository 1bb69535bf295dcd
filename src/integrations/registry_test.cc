#include "integrations/registry.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kelola {
namespace {

ConfigSchema ServerLike() {
  ConfigSchema s;
  s.Add({.name = "logs.sinks", .type = ConfigType::kObjectList, .default_value = "", .description = "sinks."});
  return s;
}

Result<std::vector<SinkSpec>> Parse(const std::string& yaml) {
  auto config = LoadConfigFromString(ServerLike(), yaml, "server.yaml", {}, {});
  if (!config.ok()) return config.status();
  return ParseSinkSpecs(config->GetObjects("logs.sinks"));
}

TEST(SinkRegistryTest, ParsesElasticsearchSinksAndBuildsThem) {
  auto specs = Parse(
      "logs:\n"
      "  sinks:\n"
      "    - name: central\n"
      "      type: elasticsearch\n"
      "      url: https://es.internal:9200\n"
      "      index: app-%Y.%m\n"
      "      username: kelola\n"
      "      password: s3cret\n"
      "      batch_records: 200\n"
      "      tls:\n"
      "        ca_file: /etc/ssl/es-ca.pem\n");
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  ASSERT_EQ(specs->size(), 1u);
  const SinkSpec& s = (*specs)[0];
  EXPECT_EQ(s.name, "central");
  EXPECT_EQ(s.type->type, "elasticsearch");
  EXPECT_EQ(s.batch_records, 200u);
  EXPECT_EQ(s.config.GetString("tls.ca_file"), "/etc/ssl/es-ca.pem");
  EXPECT_EQ(s.config.Dump().find("s3cret"), std::string::npos);
  auto sink = MakeSink(s);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  EXPECT_EQ((*sink)->Kind(), "elasticsearch");
}

TEST(SinkRegistryTest, ErrorsNameTheKeyAndWhere) {
  auto unknown = Parse("logs:\n  sinks:\n    - name: a\n      type: elasticsearch\n      urll: http://x\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "server.yaml:5:13: unknown key \"urll\" (did you mean \"url\"?)");

  auto type = Parse("logs:\n  sinks:\n    - name: a\n      type: splunk\n");
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("server.yaml:4:13: type: expected one of elasticsearch"), std::string::npos)
      << type.status().message();

  EXPECT_FALSE(Parse("logs:\n  sinks:\n    - name: a\n").ok()) << "type is required";
  EXPECT_FALSE(Parse("logs:\n  sinks:\n    - {name: A, type: elasticsearch, url: http://x}\n").ok());
  EXPECT_FALSE(Parse("logs:\n  sinks:\n    - {name: a, type: elasticsearch, url: http://x}\n"
                     "    - {name: a, type: elasticsearch, url: http://y}\n")
                   .ok())
      << "names are unique";
  auto bad_index = Parse("logs:\n  sinks:\n    - {name: a, type: elasticsearch, url: http://x, index: Logs}\n");
  ASSERT_TRUE(bad_index.ok());
  auto made = MakeSink((*bad_index)[0]);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("index"), std::string::npos) << made.status().message();
  auto no_url = Parse("logs:\n  sinks:\n    - {name: a, type: elasticsearch}\n");
  ASSERT_TRUE(no_url.ok());
  EXPECT_FALSE(MakeSink((*no_url)[0]).ok());
}

TEST(SinkRegistryTest, DocsMatchTheTables) {
  std::ifstream f(std::string(KELOLA_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(f) << "docs/config.md is missing";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find(DescribeSinkConfig()), std::string::npos)
      << "docs/config.md is out of date; its sink tables must read:\n"
      << DescribeSinkConfig();
}

}  // namespace
}  // namespace kelola
