#include "agent/agent_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kelola {
namespace {

Result<AgentOptions> Load(const std::string& yaml) {
  auto config = LoadConfigFromString(AgentConfigSchema(), yaml, "agent.yaml", {}, {});
  if (!config.ok()) return config.status();
  return AgentOptionsFromConfig(*config);
}

TEST(AgentConfigTest, ReadsEveryKindOfKey) {
  auto o = Load(
      "name: web-1\n"
      "server: http://127.0.0.1:7480/\n"
      "labels: [service=api, env=prod]\n"
      "file:\n"
      "  include: [/var/log/app/*.log]\n"
      "  read_from: head\n"
      "  multiline_start: '^\\d{4}-'\n"
      "batch:\n"
      "  max_wait: 250ms\n");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->name, "web-1");
  EXPECT_EQ(o->server, "http://127.0.0.1:7480");
  EXPECT_EQ(o->labels.at("env"), "prod");
  EXPECT_EQ(o->file.include, (std::vector<std::string>{"/var/log/app/*.log"}));
  EXPECT_TRUE(o->file.read_from_head);
  EXPECT_EQ(o->file.multiline_start, "^\\d{4}-");
  EXPECT_EQ(o->batch_max_wait, std::chrono::milliseconds(250));
  EXPECT_EQ(o->batch_max_records, 5000u);
}

TEST(AgentConfigTest, SeveralServerReplicasSeparatedByCommas) {
  auto o = Load(
      "server: 'http://10.0.0.1:7480/, https://10.0.0.2:7480,http://10.0.0.3:7480'\n"
      "file: {include: [/x]}\n");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->servers,
            (std::vector<std::string>{"http://10.0.0.1:7480", "https://10.0.0.2:7480", "http://10.0.0.3:7480"}));
  auto one = Load("server: http://127.0.0.1:7480/\nfile: {include: [/x]}\n");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->servers, std::vector<std::string>{"http://127.0.0.1:7480"});
  auto bad = Load("server: 'http://10.0.0.1:7480,,http://10.0.0.3:7480'\nfile: {include: [/x]}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("agent.yaml:1"), std::string::npos) << bad.status().message();
}

TEST(AgentConfigTest, InputsParsersLabelsAndFilters) {
  auto o = Load(
      "service: api\n"
      "labels: [env=prod]\n"
      "syslog:\n"
      "  udp_listen: [127.0.0.1:5514]\n"
      "  tcp_listen: ['[::1]:5514']\n"
      "  labels: [source=syslog]\n"
      "  filter: {min_level: warn}\n"
      "stdin:\n"
      "  enabled: true\n"
      "  parser: regex\n"
      "  regex: '^(?P<level>\\w+) (?P<msg>.*)'\n"
      "  filter: {drop_regex: healthz, keep_regex: '.', field_equals: [app=web]}\n");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->file.include.empty());
  EXPECT_EQ(o->labels.at("service"), "api");
  EXPECT_EQ(o->labels.at("env"), "prod");
  EXPECT_FALSE(o->labels.at("host").empty());
  EXPECT_EQ(o->syslog.udp_listen, (std::vector<std::string>{"127.0.0.1:5514"}));
  EXPECT_EQ(o->syslog.tcp_listen, (std::vector<std::string>{"[::1]:5514"}));
  EXPECT_EQ(o->syslog_processing.parser.kind, LogParserKind::kSyslog);  // the default of the syslog input
  EXPECT_EQ(o->syslog_processing.labels.at("source"), "syslog");
  EXPECT_EQ(o->syslog_processing.filter.min_level, "warn");
  EXPECT_EQ(o->file_processing.parser.kind, LogParserKind::kNone);
  EXPECT_TRUE(o->stdin_enabled);
  EXPECT_EQ(o->stdin_processing.parser.kind, LogParserKind::kRegex);
  EXPECT_EQ(o->stdin_processing.parser.regex, "^(?P<level>\\w+) (?P<msg>.*)");
  EXPECT_EQ(o->stdin_processing.filter.field_equals.at("app"), "web");
}

TEST(AgentConfigTest, HostMetricsAloneNeedNoLogInput) {
  auto o = Load("name: web-1\nmetrics:\n  interval: 5s\n  group: web\n  disk_mounts: [/, /data]\n");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->host_metrics.enabled);
  EXPECT_EQ(o->host_metrics.interval, std::chrono::seconds(5));
  EXPECT_EQ(o->host_metrics.group, "web");
  EXPECT_EQ(o->host_metrics.disk_mounts, (std::vector<std::string>{"/", "/data"}));
  EXPECT_EQ(o->host_metrics.buffer_max_samples, 360u);
  EXPECT_TRUE(o->file.include.empty());
}

TEST(AgentConfigTest, UnknownKeyIsAnErrorWithFileLineAndColumn) {
  auto o = Load("file:\n  include: [/x]\n  incldue: [/y]\n");
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("agent.yaml:3:3"), std::string::npos) << o.status().message();
}

TEST(AgentConfigTest, UnusableValuesNameTheKey) {
  EXPECT_NE(Load("server: ftp://x\nfile: {include: [/x]}\n").status().message().find("server"), std::string::npos);
  EXPECT_NE(Load("labels: [novalue]\nfile: {include: [/x]}\n").status().message().find("labels"), std::string::npos);
  EXPECT_NE(Load("name: a\nmetrics: {enabled: false}\n").status().message().find("file.include"), std::string::npos);
  EXPECT_NE(Load("metrics: {interval: 10ms}\n").status().message().find("metrics.interval"), std::string::npos);
  EXPECT_NE(Load("metrics: {group: 'a b'}\n").status().message().find("metrics.group"), std::string::npos);
  EXPECT_NE(Load("name: 'web 1'\n").status().message().find("metrics.enabled: false"), std::string::npos);
  EXPECT_NE(Load("syslog: {tcp_listen: [nohost]}\n").status().message().find("syslog.tcp_listen"), std::string::npos);
  EXPECT_NE(Load("stdin: {enabled: true, parser: regex}\n").status().message().find("stdin.regex"), std::string::npos);
  EXPECT_NE(
      Load("stdin: {enabled: true, filter: {drop_regex: '('}}\n").status().message().find("stdin.filter.drop_regex"),
      std::string::npos);
  EXPECT_NE(Load("stdin: {enabled: true, filter: {field_equals: [x]}}\n")
                .status()
                .message()
                .find("stdin.filter.field_equals"),
            std::string::npos);
  EXPECT_FALSE(Load("stdin: {enabled: true, parser: xml}\n").ok());
  EXPECT_FALSE(Load("stdin: {enabled: true, filter: {min_level: loud}}\n").ok());
  EXPECT_FALSE(Load("file: {include: [/x], read_from: middle}\n").ok());
}

TEST(AgentConfigTest, UnknownKeyInAnInputFilterIsAnErrorWithItsLine) {
  auto o = Load("file:\n  include: [/x]\n  filter:\n    min_levle: warn\n");
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("agent.yaml:4:5"), std::string::npos) << o.status().message();
}

TEST(AgentConfigTest, DocsTableMatchesTheSchema) {
  const std::string src = KELOLA_SOURCE_DIR;  // the tree this test was built from
  std::ifstream f(src + "/docs/agent-config.md");
  ASSERT_TRUE(f) << "docs/agent-config.md is missing";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find(AgentConfigSchema().Describe()), std::string::npos)
      << "docs/agent-config.md is out of date; its table must read:\n"
      << AgentConfigSchema().Describe();
}

}  // namespace
}  // namespace kelola
