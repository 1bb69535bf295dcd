#include "api/api_object.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

using json = nlohmann::json;

class ApiObjectTest : public ::testing::Test {
 protected:
  KindRegistry kinds = BuiltinKinds();
  const KindInfo& host() { return *kinds.Find("hosts"); }

  Status DecodeError(const std::string& body, const std::string& name = "web-1") {
    auto doc = ParseJsonBody(body);
    if (!doc.ok()) return doc.status();
    return DecodeApiObject(*doc, host(), name).status();
  }
};

TEST_F(ApiObjectTest, DecodesHostAndAppliesDefaults) {
  auto doc = ParseJsonBody(R"({"kind":"Host","metadata":{"name":"web-1","labels":{"env":"prod"},
                               "resourceVersion":"12"},"spec":{"address":"10.0.0.5"}})");
  ASSERT_TRUE(doc.ok());
  auto obj = DecodeApiObject(*doc, host(), "web-1");
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  EXPECT_EQ(obj->name, "web-1");
  EXPECT_EQ(obj->labels.at("env"), "prod");
  EXPECT_EQ(obj->resource_version, 12);
  EXPECT_EQ(obj->spec["port"], 22);
  EXPECT_EQ(obj->spec["user"], "root");
}

TEST_F(ApiObjectTest, ErrorsNameTheField) {
  EXPECT_EQ(DecodeError(R"({"spec":{"address":"a","prot":22}})").message(),
            "spec.prot: unknown field (known: address, port, user, credentials, hostKey, jumpHost)");
  EXPECT_EQ(DecodeError(R"({"spec":{"address":"a","port":"22"}})").message(),
            "spec.port: expected an integer, got string \"22\"");
  EXPECT_EQ(DecodeError(R"({"spec":{"address":"a","port":70000}})").message(),
            "spec.port: expected an integer between 1 and 65535, got 70000");
  EXPECT_EQ(DecodeError(R"({"spec":{}})").message(), "spec.address: required field is missing");
  EXPECT_EQ(DecodeError(R"({"metdata":{}})").message(),
            "metdata: unknown field (known: apiVersion, kind, metadata, spec, status)");
  EXPECT_EQ(DecodeError(R"({"kind":"Secret","spec":{"address":"a"}})").message(),
            "kind: expected \"Host\" for /v1/hosts, got \"Secret\"");
  EXPECT_EQ(DecodeError(R"({"metadata":{"name":"web-2"},"spec":{"address":"a"}})").message(),
            "metadata.name: \"web-2\" does not match the name in the URL \"web-1\"");
  EXPECT_EQ(DecodeError(R"({"spec":{"address":"a"}})", "Web_1").message(),
            "metadata.name: \"Web_1\" is not a valid name (lower-case letters, digits, '-' and '.', at most 253)");
  EXPECT_EQ(DecodeError(R"({"metadata":{"labels":{"env":"a b"}},"spec":{"address":"a"}})").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeError(R"({"metadata":{"resourceVersion":"x"},"spec":{"address":"a"}})").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeError("[1,2]").message(), "body: expected a JSON object");
}

TEST_F(ApiObjectTest, MalformedJsonSaysWhere) {
  auto doc = ParseJsonBody("{\n  \"spec\": {\"address\": }\n}");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(doc.status().message().find("invalid JSON at line 2, column"), std::string::npos) << doc.status().message();
  EXPECT_EQ(ParseJsonBody("").status().message(), "body: empty; expected a JSON object");
}

TEST_F(ApiObjectTest, ParsesYamlDocumentsWithTypesAndLines) {
  auto docs = ParseYamlDocuments(
      "kind: Host\nmetadata: {name: web-1}\nspec:\n  address: 10.0.0.5\n  port: 2222\n  user: \"123\"\n"
      "---\nkind: Host\nmetadata: {name: web-2}\nspec: {address: b, port: 22}\n",
      "hosts.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->docs.size(), 2u);
  EXPECT_EQ(docs->docs[0]["spec"]["port"], 2222);
  EXPECT_EQ(docs->docs[0]["spec"]["user"], "123");  // quoted stays a string
  EXPECT_EQ(docs->docs[0]["spec"]["address"], "10.0.0.5");
  EXPECT_EQ(docs->start_lines[0], 1);
  EXPECT_EQ(docs->start_lines[1], 8);
}

TEST_F(ApiObjectTest, YamlErrorsCarryFileLineColumn) {
  auto docs = ParseYamlDocuments("kind: Host\nspec: {address: [1, 2}\n", "bad.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message().rfind("bad.yaml:2:", 0), 0u) << docs.status().message();
  auto dup = ParseYamlDocuments("kind: Host\nkind: Secret\n", "dup.yaml");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(), "dup.yaml:2:1: duplicate key \"kind\"");
}

TEST_F(ApiObjectTest, YamlAliasBombIsRefused) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int j = 0; j < 9; ++j) text += ", " + prev;
    text += "]\n";
  }
  auto docs = ParseYamlDocuments(text, "bomb.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.status().message().find("more than 100000 values"), std::string::npos) << docs.status().message();
}

TEST_F(ApiObjectTest, InvalidUtf8NeverThrows) {
  auto yaml = ParseYamlDocuments("kind: Host\nspec: {address: \"a\xff\"}\n", "bad.yaml");
  ASSERT_FALSE(yaml.ok());
  EXPECT_NE(yaml.status().message().find("not valid UTF-8"), std::string::npos) << yaml.status().message();
  // A long multi-byte value cut for an error message stays printable.
  std::string body = R"({"spec":{"address":"a","port":")" + std::string(39, 'x') + "\u00e9\u00e9\"}}";
  auto doc = ParseJsonBody(body);
  ASSERT_TRUE(doc.ok());
  auto obj = DecodeApiObject(*doc, host(), "web-1");
  ASSERT_FALSE(obj.ok());
  EXPECT_NE(obj.status().message().find("spec.port"), std::string::npos);
}

TEST_F(ApiObjectTest, EncodeHidesSecretValues) {
  Resource r;
  r.kind = "Secret";
  r.name = "db";
  r.spec_json = R"({"type":"password","sealed":"AAAA"})";
  json out = EncodeResource(r, *kinds.Find("secrets"));
  EXPECT_EQ(out["spec"], json({{"type", "password"}}));
  EXPECT_EQ(out["metadata"]["name"], "db");
  EXPECT_EQ(out["apiVersion"], "kelola.io/v1");
}

}  // namespace
}  // namespace kelola
