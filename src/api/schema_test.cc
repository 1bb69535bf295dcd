#include "api/schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

Schema TestSchema() {
  Schema mode = Schema::String("mode");
  mode.enum_values = {"fast", "safe"};
  mode.default_json = "\"safe\"";
  Schema password = Schema::String("pw");
  password.write_only = true;
  return Schema::Object("root",
                        {{"mode", mode},
                         {"count", Schema::Integer("n", 0, 10)},
                         {"tags", Schema::ArrayOf("tags", Schema::String("tag"))},
                         {"env", Schema::StringMap("env")},
                         {"password", password}},
                        {"count"});
}

TEST(SchemaTest, ValidatesNestedValues) {
  Schema s = TestSchema();
  EXPECT_TRUE(ValidateAgainstSchema(s, json{{"count", 1}, {"tags", {"a"}}, {"env", {{"A", "1"}}}}, "spec").ok());
  EXPECT_EQ(ValidateAgainstSchema(s, json{{"count", 1}, {"tags", {"a", 2}}}, "spec").message(),
            "spec.tags[1]: expected a string, got integer 2");
  EXPECT_EQ(ValidateAgainstSchema(s, json{{"count", 1}, {"env", {{"A", 1}}}}, "spec").message(),
            "spec.env.A: expected a string, got integer 1");
  EXPECT_EQ(ValidateAgainstSchema(s, json{{"count", 1}, {"mode", "slow"}}, "spec").message(),
            "spec.mode: expected one of fast|safe, got string \"slow\"");
  EXPECT_EQ(ValidateAgainstSchema(s, json{{"count", true}}, "spec").message(),
            "spec.count: expected an integer, got boolean true");
}

TEST(SchemaTest, DefaultsAndWriteOnly) {
  Schema s = TestSchema();
  json v = {{"count", 1}, {"password", "hunter2"}};
  ApplySchemaDefaults(s, v);
  EXPECT_EQ(v["mode"], "safe");
  StripWriteOnly(s, v);
  EXPECT_FALSE(v.contains("password"));
}

TEST(SchemaTest, RendersOpenApi) {
  json o = SchemaToOpenApi(TestSchema());
  EXPECT_EQ(o["type"], "object");
  EXPECT_EQ(o["additionalProperties"], false);
  EXPECT_EQ(o["properties"]["count"]["maximum"], 10);
  EXPECT_EQ(o["properties"]["password"]["writeOnly"], true);
  EXPECT_EQ(o["required"], json({"count"}));
}

TEST(SchemaTest, Names) {
  EXPECT_TRUE(IsValidName("web-1"));
  EXPECT_TRUE(IsValidName("a.b-c"));
  EXPECT_FALSE(IsValidName("-web"));
  EXPECT_FALSE(IsValidName("Web"));
  EXPECT_FALSE(IsValidName(""));
  EXPECT_FALSE(IsValidName(std::string(254, 'a')));
}

}  // namespace
}  // namespace kelola
