#include "cli/output.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

using json = nlohmann::json;

json Host(const std::string& name, const std::string& address) {
  return {{"kind", "Host"},
          {"metadata", {{"name", name}, {"labels", {{"env", "prod"}}}, {"resourceVersion", "7"}, {"updatedAt", "T"}}},
          {"spec", {{"address", address}, {"port", 22}, {"user", "root"}}}};
}

TEST(OutputTest, TableHasKindColumnsAligned) {
  json list = {{"items", {Host("web-1", "10.0.0.1"), Host("db-long-name", "db.internal")}}};
  EXPECT_EQ(RenderResources(list, OutputFormat::kTable),
            "NAME           ADDRESS       PORT   USER   LABELS     VERSION   UPDATED\n"
            "web-1          10.0.0.1      22     root   env=prod   7         T\n"
            "db-long-name   db.internal   22     root   env=prod   7         T\n");
}

TEST(OutputTest, EmptyListSaysSo) {
  EXPECT_EQ(RenderResources(json{{"items", json::array()}}, OutputFormat::kTable), "No resources found.\n");
}

TEST(OutputTest, YamlQuotesAmbiguousStrings) {
  json v = {{"a", "true"}, {"b", true}, {"c", "8080"}, {"d", 8080}, {"e", "plain"}};
  EXPECT_EQ(JsonToYaml(v), "a: \"true\"\nb: true\nc: \"8080\"\nd: 8080\ne: plain\n");
}

TEST(OutputTest, ParsesFormats) {
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("yaml"), OutputFormat::kYaml);
  EXPECT_EQ(ParseOutputFormat("xml").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
