#include "pipeline/pipeline_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "base/config_schema.h"

namespace kelola {
namespace {

const std::vector<std::string> kTopKeys = {"steps", "env"};
const std::vector<std::string> kStepKeys = {"name", "image",   "host",      "commands", "env", "secrets",
                                            "when", "timeout", "artifacts", "build",    "push"};
const std::vector<std::string> kWhenKeys = {"branch", "tag", "event", "path"};
const std::vector<std::string> kBuildKeys = {"dockerfile", "context", "tags", "build_args"};
const std::vector<std::string> kPushKeys = {"registry", "repository", "tags", "credentials"};
const std::vector<std::string> kSecretKeys = {"from", "env"};

// Reads one document with errors that name file, line, column and key.
class Reader {
 public:
  explicit Reader(std::string display) : display_(std::move(display)) {}

  Status Error(const YAML::Node& node, const std::string& key, const std::string& message) const {
    YAML::Mark mark = node.Mark();
    std::string where = display_;
    if (!mark.is_null()) where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    return InvalidArgumentError(where + ": " + (key.empty() ? "" : key + ": ") + message);
  }

  static std::string Describe(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Null: return "nothing";
      case YAML::NodeType::Scalar: return "a scalar";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Map: return "a mapping";
      default: return "an undefined value";
    }
  }

  // `node` must be a mapping whose keys are plain scalars from `allowed`,
  // each once.
  Status CheckMap(const YAML::Node& node, const std::string& key, const std::vector<std::string>& allowed) const {
    if (!node.IsMap()) return Error(node, key, "expected a mapping, got " + Describe(node));
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node k = it->first;
      const std::string path = key.empty() ? "" : key + ".";
      if (!k.IsScalar()) return Error(k, key, "keys must be plain words");
      if (std::find(allowed.begin(), allowed.end(), k.Scalar()) == allowed.end()) {
        std::string known;
        for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
        return Error(k, path + k.Scalar(), "unknown key (known: " + known + ")");
      }
      if (!seen.insert(k.Scalar()).second) return Error(k, path + k.Scalar(), "given twice");
    }
    return OkStatus();
  }

  Result<std::string> String(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return Error(node, key, "expected a string, got " + Describe(node));
    return node.Scalar();
  }

  Result<std::string> NonEmpty(const YAML::Node& node, const std::string& key) const {
    KELOLA_ASSIGN_OR_RETURN(std::string s, String(node, key));
    if (s.empty()) return Error(node, key, "must not be empty");
    return s;
  }

  Result<bool> Bool(const YAML::Node& node, const std::string& key) const {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (s == "true") return true;
      if (s == "false") return false;
    }
    return Error(node, key, "expected true or false");
  }

  // A list of strings, or one string as a list of one.
  Result<std::vector<std::string>> StringList(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) return Error(node, key, "expected a string or a list of strings, got " + Describe(node));
    size_t i = 0;
    for (const YAML::Node& item : node) {
      KELOLA_ASSIGN_OR_RETURN(std::string s, String(item, key + "[" + std::to_string(i++) + "]"));
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<std::map<std::string, std::string>> StringMap(const YAML::Node& node, const std::string& key) const {
    if (!node.IsMap()) return Error(node, key, "expected a mapping of names to strings, got " + Describe(node));
    std::map<std::string, std::string> out;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node k = it->first;
      const YAML::Node v = it->second;
      if (!k.IsScalar() || k.Scalar().empty()) return Error(k, key, "names must be non-empty strings");
      KELOLA_ASSIGN_OR_RETURN(std::string value, String(v, key + "." + k.Scalar()));
      if (!out.emplace(k.Scalar(), std::move(value)).second) return Error(k, key + "." + k.Scalar(), "given twice");
    }
    return out;
  }

  Result<StepCondition> When(const YAML::Node& node, const std::string& key) const {
    KELOLA_RETURN_IF_ERROR(CheckMap(node, key, kWhenKeys));
    StepCondition c;
    if (node["branch"]) {
      KELOLA_ASSIGN_OR_RETURN(c.branch, StringList(node["branch"], key + ".branch"));
    }
    if (node["tag"]) {
      KELOLA_ASSIGN_OR_RETURN(c.tag, StringList(node["tag"], key + ".tag"));
    }
    if (node["path"]) {
      KELOLA_ASSIGN_OR_RETURN(c.path, StringList(node["path"], key + ".path"));
    }
    if (node["event"]) {
      KELOLA_ASSIGN_OR_RETURN(c.event, StringList(node["event"], key + ".event"));
      for (const auto& e : c.event) {
        if (e != "push" && e != "tag" && e != "pull_request") {
          return Error(node["event"], key + ".event", "\"" + e + "\" is not push, tag or pull_request");
        }
      }
    }
    return c;
  }

  Result<std::vector<SecretEnv>> Secrets(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) return Error(node, key, "expected a list, got " + Describe(node));
    std::vector<SecretEnv> out;
    size_t i = 0;
    for (const YAML::Node& item : node) {
      const std::string at = key + "[" + std::to_string(i++) + "]";
      SecretEnv s;
      if (item.IsScalar()) {
        // "db-password" is exposed as DB_PASSWORD.
        s.secret = item.Scalar();
        for (char c : s.secret) s.env += c == '-' || c == '.' ? '_' : static_cast<char>(std::toupper(c));
      } else {
        KELOLA_RETURN_IF_ERROR(CheckMap(item, at, kSecretKeys));
        if (!item["from"]) return Error(item, at + ".from", "required");
        if (!item["env"]) return Error(item, at + ".env", "required");
        KELOLA_ASSIGN_OR_RETURN(s.secret, NonEmpty(item["from"], at + ".from"));
        KELOLA_ASSIGN_OR_RETURN(s.env, NonEmpty(item["env"], at + ".env"));
      }
      if (s.secret.empty()) return Error(item, at, "must name a Secret");
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<BuildStep> Build(const YAML::Node& node, const std::string& key) const {
    KELOLA_RETURN_IF_ERROR(CheckMap(node, key, kBuildKeys));
    BuildStep b;
    if (node["dockerfile"]) {
      KELOLA_ASSIGN_OR_RETURN(b.dockerfile, NonEmpty(node["dockerfile"], key + ".dockerfile"));
    }
    if (node["context"]) {
      KELOLA_ASSIGN_OR_RETURN(b.context, NonEmpty(node["context"], key + ".context"));
    }
    if (!node["tags"]) return Error(node, key + ".tags", "required: the image names to build");
    KELOLA_ASSIGN_OR_RETURN(b.tags, StringList(node["tags"], key + ".tags"));
    if (b.tags.empty()) return Error(node["tags"], key + ".tags", "must name at least one tag");
    if (node["build_args"]) {
      KELOLA_ASSIGN_OR_RETURN(b.build_args, StringMap(node["build_args"], key + ".build_args"));
    }
    return b;
  }

  Result<PushStep> Push(const YAML::Node& node, const std::string& key) const {
    KELOLA_RETURN_IF_ERROR(CheckMap(node, key, kPushKeys));
    PushStep p;
    if (!node["registry"]) return Error(node, key + ".registry", "required");
    if (!node["repository"]) return Error(node, key + ".repository", "required");
    KELOLA_ASSIGN_OR_RETURN(p.registry, NonEmpty(node["registry"], key + ".registry"));
    KELOLA_ASSIGN_OR_RETURN(p.repository, NonEmpty(node["repository"], key + ".repository"));
    if (node["tags"]) {
      KELOLA_ASSIGN_OR_RETURN(p.tags, StringList(node["tags"], key + ".tags"));
    }
    if (node["credentials"]) {
      KELOLA_ASSIGN_OR_RETURN(p.credentials, NonEmpty(node["credentials"], key + ".credentials"));
    }
    return p;
  }

  Result<PipelineStep> Step(const YAML::Node& node, const std::string& key) const {
    KELOLA_RETURN_IF_ERROR(CheckMap(node, key, kStepKeys));
    PipelineStep s;
    s.line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
    if (!node["name"]) return Error(node, key + ".name", "required");
    KELOLA_ASSIGN_OR_RETURN(s.name, NonEmpty(node["name"], key + ".name"));
    int kinds = 0;
    if (node["image"]) {
      ++kinds;
      s.type = PipelineStep::Type::kContainer;
      KELOLA_ASSIGN_OR_RETURN(s.image, NonEmpty(node["image"], key + ".image"));
    }
    if (node["host"]) {
      KELOLA_ASSIGN_OR_RETURN(bool host, Bool(node["host"], key + ".host"));
      if (!host) return Error(node["host"], key + ".host", "only \"host: true\" is meaningful; use image instead");
      ++kinds;
      s.type = PipelineStep::Type::kHost;
    }
    if (node["build"]) {
      ++kinds;
      s.type = PipelineStep::Type::kBuild;
      KELOLA_ASSIGN_OR_RETURN(s.build, Build(node["build"], key + ".build"));
    }
    if (node["push"]) {
      ++kinds;
      s.type = PipelineStep::Type::kPush;
      KELOLA_ASSIGN_OR_RETURN(s.push, Push(node["push"], key + ".push"));
    }
    if (kinds != 1) return Error(node, key, "a step has exactly one of image, host: true, build or push");
    const bool runs_commands = s.type == PipelineStep::Type::kContainer || s.type == PipelineStep::Type::kHost;
    if (node["commands"]) {
      if (!runs_commands) return Error(node["commands"], key + ".commands", "only image and host steps run commands");
      KELOLA_ASSIGN_OR_RETURN(s.commands, StringList(node["commands"], key + ".commands"));
    }
    if (runs_commands && s.commands.empty()) return Error(node, key + ".commands", "required: what the step runs");
    if (node["env"]) {
      KELOLA_ASSIGN_OR_RETURN(s.env, StringMap(node["env"], key + ".env"));
    }
    if (node["secrets"]) {
      KELOLA_ASSIGN_OR_RETURN(s.secrets, Secrets(node["secrets"], key + ".secrets"));
    }
    if (node["when"]) {
      KELOLA_ASSIGN_OR_RETURN(s.when, When(node["when"], key + ".when"));
    }
    if (node["timeout"]) {
      KELOLA_ASSIGN_OR_RETURN(std::string text, String(node["timeout"], key + ".timeout"));
      auto d = ParseDuration(text);
      if (!d.ok()) return Error(node["timeout"], key + ".timeout", d.status().message());
      if (d->count() <= 0) return Error(node["timeout"], key + ".timeout", "must be positive");
      s.timeout = std::chrono::duration_cast<Duration>(*d);
    }
    if (node["artifacts"]) {
      KELOLA_ASSIGN_OR_RETURN(s.artifacts, StringList(node["artifacts"], key + ".artifacts"));
    }
    return s;
  }

 private:
  std::string display_;
};

// The guard in front of yaml-cpp (see the header).
Status CheckShape(std::string_view text, const std::string& display) {
  if (text.size() > kMaxPipelineFileBytes) {
    return InvalidArgumentError(display + ": larger than " + std::to_string(kMaxPipelineFileBytes) + " bytes");
  }
  if (text.find('\0') != std::string_view::npos) return InvalidArgumentError(display + ": contains a NUL byte");
  size_t line = 1;
  bool content_seen = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    size_t first = l.find_first_not_of(" \t");
    if (first != std::string_view::npos && l[first] != '#') {
      const bool marker = first == 0 && (l.rfind("---", 0) == 0 || l.rfind("...", 0) == 0) &&
                          (l.size() == 3 || l[3] == ' ' || l[3] == '\t');
      if (marker) {
        if (l.find_first_not_of(" \t", 3) != std::string_view::npos &&
            l.find_first_not_of(" \t", 3) != l.find('#', 3)) {
          return InvalidArgumentError(display + ":" + std::to_string(line) +
                                      ":1: put the document on the lines after the document marker");
        }
        if (content_seen) {
          return InvalidArgumentError(display + ":" + std::to_string(line) + ":1: only one YAML document is allowed");
        }
      } else {
        if (!content_seen && (l[first] == '{' || l[first] == '[' || l[first] == '"' || l[first] == '\'')) {
          return InvalidArgumentError(display + ":" + std::to_string(line) + ":" + std::to_string(first + 1) +
                                      ": the top level must be a block mapping (steps: ...), not flow style or a "
                                      "quoted string");
        }
        content_seen = true;
      }
    }
    pos = end + 1;
    ++line;
  }
  return OkStatus();
}

}  // namespace

Result<PipelineFile> ParsePipelineFile(std::string_view text, const std::string& display) {
  KELOLA_RETURN_IF_ERROR(CheckShape(text, display));
  Reader r(display);
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return InvalidArgumentError(display + ": empty file; it needs steps");
    KELOLA_RETURN_IF_ERROR(r.CheckMap(root, "", kTopKeys));
    PipelineFile file;
    if (root["env"]) {
      KELOLA_ASSIGN_OR_RETURN(file.env, r.StringMap(root["env"], "env"));
    }
    if (!root["steps"]) return r.Error(root, "steps", "required");
    const YAML::Node steps = root["steps"];
    if (!steps.IsSequence() || steps.size() == 0) {
      return r.Error(steps, "steps", "expected a non-empty list of steps, got " + Reader::Describe(steps));
    }
    if (steps.size() > kMaxPipelineSteps) {
      return r.Error(steps, "steps", "more than " + std::to_string(kMaxPipelineSteps) + " steps");
    }
    std::set<std::string> names;
    size_t i = 0;
    for (const YAML::Node& node : steps) {
      const std::string key = "steps[" + std::to_string(i++) + "]";
      KELOLA_ASSIGN_OR_RETURN(PipelineStep step, r.Step(node, key));
      if (!names.insert(step.name).second) {
        return r.Error(node["name"], key + ".name", "\"" + step.name + "\" is the name of an earlier step");
      }
      file.steps.push_back(std::move(step));
    }
    return file;
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(display + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(display + ": " + e.what());
  }
}

const std::vector<std::pair<std::string, std::vector<std::string>>>& PipelineFileKeys() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> keys = {
      {"", kTopKeys},        {"step", kStepKeys}, {"when", kWhenKeys},
      {"build", kBuildKeys}, {"push", kPushKeys}, {"secret", kSecretKeys}};
  return keys;
}

}  // namespace kelola
