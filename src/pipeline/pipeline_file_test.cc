#include "pipeline/pipeline_file.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kelola {
namespace {

const char* kExample = R"(# the example of docs/pipelines.md
env:
  CGO_ENABLED: "0"
steps:
  - name: test
    image: golang:1.22
    commands:
      - go vet ./...
      - go test ./...
    env: {GOFLAGS: -mod=vendor}
    secrets:
      - db-password
      - from: codecov-token
        env: CODECOV_TOKEN
    timeout: 10m
    artifacts: [coverage.out]
  - name: lint-on-host
    host: true
    commands: make lint
    when:
      branch: [main, "release/*"]
      event: push
      path: ["src/**"]
  - name: image
    build:
      dockerfile: deploy/Dockerfile
      context: .
      tags: [app:latest]
      build_args:
        VERSION: "1.0"
  - name: publish
    push:
      registry: 127.0.0.1:5000
      repository: team/app
      credentials: registry-login
    when:
      tag: "v*"
)";

TEST(PipelineFileTest, ParsesTheDocumentedExample) {
  auto file = ParsePipelineFile(kExample);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->steps.size(), 4u);
  EXPECT_EQ(file->env.at("CGO_ENABLED"), "0");
  const PipelineStep& test = file->steps[0];
  EXPECT_EQ(test.type, PipelineStep::Type::kContainer);
  EXPECT_EQ(test.image, "golang:1.22");
  EXPECT_EQ(test.commands.size(), 2u);
  EXPECT_EQ(test.env.at("GOFLAGS"), "-mod=vendor");
  ASSERT_EQ(test.secrets.size(), 2u);
  EXPECT_EQ(test.secrets[0].env, "DB_PASSWORD");
  EXPECT_EQ(test.secrets[1].secret, "codecov-token");
  EXPECT_EQ(test.timeout, std::chrono::minutes(10));
  EXPECT_EQ(test.artifacts, std::vector<std::string>{"coverage.out"});
  EXPECT_EQ(test.line, 5);
  const PipelineStep& lint = file->steps[1];
  EXPECT_EQ(lint.type, PipelineStep::Type::kHost);
  EXPECT_EQ(lint.commands, std::vector<std::string>{"make lint"});
  EXPECT_EQ(lint.when.branch, (std::vector<std::string>{"main", "release/*"}));
  EXPECT_EQ(lint.when.event, std::vector<std::string>{"push"});
  const PipelineStep& image = file->steps[2];
  EXPECT_EQ(image.type, PipelineStep::Type::kBuild);
  EXPECT_EQ(image.build.dockerfile, "deploy/Dockerfile");
  EXPECT_EQ(image.build.build_args.at("VERSION"), "1.0");
  const PipelineStep& publish = file->steps[3];
  EXPECT_EQ(publish.type, PipelineStep::Type::kPush);
  EXPECT_EQ(publish.push.registry, "127.0.0.1:5000");
  EXPECT_EQ(publish.push.credentials, "registry-login");
  EXPECT_EQ(publish.when.tag, std::vector<std::string>{"v*"});
}

void ExpectError(const std::string& text, const std::string& expected) {
  auto file = ParsePipelineFile(text);
  ASSERT_FALSE(file.ok()) << "accepted: " << text;
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.status().message().find(expected), std::string::npos) << file.status().message();
}

TEST(PipelineFileTest, ErrorsNameFileLineAndKey) {
  ExpectError("steps:\n  - name: t\n    image: x\n    comands: [a]\n",
              ".kelola.yml:4:5: steps[0].comands: unknown key");
  ExpectError("steps:\n  - name: t\n    image: x\n    commands: {a: b}\n",
              ".kelola.yml:4:15: steps[0].commands: expected a string or a list of strings, got a mapping");
  ExpectError("steps:\n  - name: t\n    image: x\n", "steps[0].commands: required");
  ExpectError("steps:\n  - name: t\n    image: x\n    host: true\n    commands: [a]\n", "exactly one of");
  ExpectError("steps:\n  - name: t\n    image: x\n    commands: [a]\n    timeout: soon\n", "steps[0].timeout");
  ExpectError("steps:\n  - name: t\n    image: x\n    commands: [a]\n  - name: t\n    host: true\n    commands: [b]\n",
              ".kelola.yml:5:11: steps[1].name: \"t\" is the name of an earlier step");
  ExpectError("steps:\n  - name: b\n    build: {context: .}\n", "steps[0].build.tags: required");
  ExpectError("steps:\n  - name: p\n    push: {registry: r}\n", "steps[0].push.repository: required");
  ExpectError("steps:\n  - name: t\n    host: true\n    commands: [a]\n    when: {event: fork}\n",
              "steps[0].when.event: \"fork\" is not push, tag or pull_request");
  ExpectError("stages: []\n", ".kelola.yml:1:1: stages: unknown key");
  ExpectError("steps: []\n", "steps: expected a non-empty list");
  ExpectError("", "empty file");
  ExpectError("steps:\n  - name: [\n", ".kelola.yml:");
}

TEST(PipelineFileTest, GuardsAgainstYamlCppHangsAndHugeInput) {
  // Each of these makes yaml-cpp 0.7's LoadAll loop forever (fuzz/known-hangs/).
  ExpectError("[a] ,\n", "block mapping");
  ExpectError("{a: b}, c\n", "block mapping");
  ExpectError("\"a\",\n", "block mapping");
  ExpectError("--- [a],\n", "after the document marker");
  ExpectError("steps:\n  - name: a\n    host: true\n    commands: [x]\n---\nsteps: []\n", "only one YAML document");
  std::ifstream in(std::string(KELOLA_SOURCE_DIR) + "/fuzz/known-hangs/yaml-cpp-flow-document-marker");
  std::stringstream ss;
  ss << in.rdbuf();
  ASSERT_FALSE(ss.str().empty());
  ExpectError(ss.str(), "block mapping");
  ExpectError(std::string(kMaxPipelineFileBytes + 1, '#'), "larger than");
  // Comments and a leading document marker are fine.
  EXPECT_TRUE(ParsePipelineFile("# hi\n---\nsteps:\n  - name: a\n    host: true\n    commands: [x]\n").ok());
}

}  // namespace
}  // namespace kelola
