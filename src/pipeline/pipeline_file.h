// PipelineFile: the repository's `.kelola.yml`, parsed strictly.
//
// Reference: docs/pipelines.md; JSON Schema: docs/pipelines.schema.json
// (pipeline_file_schema_test.cc keeps the two in step). Every error is
// InvalidArgument "FILE:LINE:COL: KEY.PATH: message"; unknown keys and wrong
// types are errors, never ignored.
//
// Guarding yaml-cpp 0.7 (it loops forever on some malformed documents whose
// top-level node is a flow collection or a quoted scalar followed by ','; see
// fuzz/known-hangs/): the input is bounded (kMaxPipelineFileBytes), only the
// first document is read with YAML::Load (the loop is in LoadAll's document
// iteration), the top level must be a block mapping (a file starting with
// '{', '[', '"' or '\'' is refused before yaml-cpp sees it) and a second
// document is an error. Aliases cannot blow up: every value is read through
// a fixed structure whose lists hold scalars only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

inline constexpr size_t kMaxPipelineFileBytes = 256 * 1024;
inline constexpr size_t kMaxPipelineSteps = 100;

struct StepCondition {
  std::vector<std::string> branch;  // globs; empty = any
  std::vector<std::string> tag;
  std::vector<std::string> event;  // push | tag | pull_request
  std::vector<std::string> path;
};

struct SecretEnv {
  std::string secret;  // Secret resource name
  std::string env;     // environment variable it is exposed as
};

struct BuildStep {
  std::string dockerfile = "Dockerfile";
  std::string context = ".";
  std::vector<std::string> tags;
  std::map<std::string, std::string> build_args;
};

struct PushStep {
  std::string registry;           // "registry.example.com:5000"
  std::string repository;         // "team/app"
  std::vector<std::string> tags;  // empty = every tag the builds made
  std::string credentials;        // Secret name ("user:password" or a JSON auth config); "" = anonymous
};

struct PipelineStep {
  enum class Type { kContainer, kHost, kBuild, kPush };
  std::string name;
  Type type = Type::kContainer;
  std::string image;                  // kContainer
  std::vector<std::string> commands;  // kContainer, kHost
  std::map<std::string, std::string> env;
  std::vector<SecretEnv> secrets;
  StepCondition when;
  std::optional<Duration> timeout;
  std::vector<std::string> artifacts;  // paths/globs in the workspace
  BuildStep build;                     // kBuild
  PushStep push;                       // kPush
  int line = 0;                        // 1-based line of the step, for messages
};

struct PipelineFile {
  std::map<std::string, std::string> env;  // for every step
  std::vector<PipelineStep> steps;
};

// `display` names the file in errors (".kelola.yml").
Result<PipelineFile> ParsePipelineFile(std::string_view text, const std::string& display = ".kelola.yml");

// Every key the parser accepts, by object: "" (top level), "step", "when",
// "build", "push", "secret". The schema test checks each is in the schema.
const std::vector<std::pair<std::string, std::vector<std::string>>>& PipelineFileKeys();

}  // namespace kelola
