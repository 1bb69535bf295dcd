// Keeps docs/pipelines.schema.json and the parser consistent: every key the
// parser accepts is in the schema and the other way round, and the schema
// forbids every other key.
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/pipeline_file.h"

namespace kelola {
namespace {

using json = nlohmann::json;

json LoadSchema() {
  std::ifstream in(std::string(KELOLA_SOURCE_DIR) + "/docs/pipelines.schema.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

const json& ObjectFor(const json& schema, const std::string& name) {
  static const std::map<std::string, std::string> where = {
      {"step", "step"}, {"when", "when"}, {"build", "build"}, {"push", "push"}};
  if (name.empty()) return schema;
  if (name == "secret") return schema["$defs"]["secret"]["oneOf"][1];
  return schema["$defs"][where.at(name)];
}

TEST(PipelineFileSchemaTest, SchemaAndParserAcceptTheSameKeys) {
  json schema = LoadSchema();
  for (const auto& [object, keys] : PipelineFileKeys()) {
    const json& def = ObjectFor(schema, object);
    ASSERT_TRUE(def.contains("properties")) << "schema has no object for \"" << object << "\"";
    EXPECT_EQ(def.value("additionalProperties", true), false) << object;
    std::set<std::string> in_schema;
    for (auto it = def["properties"].begin(); it != def["properties"].end(); ++it) in_schema.insert(it.key());
    std::set<std::string> in_parser(keys.begin(), keys.end());
    EXPECT_EQ(in_schema, in_parser) << "object \"" << object << "\"";
  }
}

TEST(PipelineFileSchemaTest, RequiredKeysAgree) {
  json schema = LoadSchema();
  EXPECT_EQ(schema["required"], json::array({"steps"}));
  EXPECT_EQ(schema["$defs"]["build"]["required"], json::array({"tags"}));
  EXPECT_EQ(schema["$defs"]["push"]["required"], json::array({"registry", "repository"}));
  // The parser agrees: each is an error when missing.
  EXPECT_FALSE(ParsePipelineFile("env: {}\n").ok());
  EXPECT_FALSE(ParsePipelineFile("steps:\n  - name: b\n    build: {}\n").ok());
  EXPECT_FALSE(ParsePipelineFile("steps:\n  - name: p\n    push: {registry: r}\n").ok());
  EXPECT_EQ(schema["properties"]["steps"]["maxItems"], kMaxPipelineSteps);
}

}  // namespace
}  // namespace kelola
