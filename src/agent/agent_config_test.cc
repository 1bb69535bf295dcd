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
  EXPECT_EQ(o->batch_max_records, 1000u);
}

TEST(AgentConfigTest, UnknownKeyIsAnErrorWithFileLineAndColumn) {
  auto o = Load("file:\n  include: [/x]\n  incldue: [/y]\n");
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("agent.yaml:3:3"), std::string::npos) << o.status().message();
}

TEST(AgentConfigTest, UnusableValuesNameTheKey) {
  EXPECT_NE(Load("server: ftp://x\nfile: {include: [/x]}\n").status().message().find("server"), std::string::npos);
  EXPECT_NE(Load("labels: [novalue]\nfile: {include: [/x]}\n").status().message().find("labels"), std::string::npos);
  EXPECT_NE(Load("name: a\n").status().message().find("file.include"), std::string::npos);
  EXPECT_FALSE(Load("file: {include: [/x], read_from: middle}\n").ok());
}

TEST(AgentConfigTest, DocsTableMatchesTheSchema) {
  // KELOLA_SOURCE_DIR when set; otherwise the tree this file was compiled from.
  const char* env = std::getenv("KELOLA_SOURCE_DIR");
  std::string src = env != nullptr ? env : std::string(__FILE__).substr(0, std::string(__FILE__).rfind("/src/"));
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
