// Runbook parsing: YAML to validated steps, with positions in every error.
#include "ssh/runbook.h"

#include <fstream>
#include <sstream>

#include "ssh/yaml_fields.h"

namespace kelola {
namespace {

const std::vector<std::string_view> kActions = {"command", "upload", "template", "package", "service", "wait_for"};

Result<std::string> ReadLocalFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFoundError("cannot read " + path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class RunbookParser {
 public:
  RunbookParser(std::string display, std::string base_dir) : y_(std::move(display)), base_dir_(std::move(base_dir)) {}

  Result<Runbook> Parse(const std::string& text) {
    KELOLA_ASSIGN_OR_RETURN(YAML::Node root, y_.Load(text));
    if (!root.IsDefined() || root.IsNull()) return InvalidArgumentError(y_.display() + ": empty runbook: no steps");
    KELOLA_RETURN_IF_ERROR(y_.CheckMap(root, "runbook", {"name", "vars", "steps"}));
    Runbook book;
    book.source = y_.display();
    if (root["name"]) {
      KELOLA_ASSIGN_OR_RETURN(book.name, y_.String(root["name"], "name"));
    }
    if (root["vars"]) {
      KELOLA_ASSIGN_OR_RETURN(book.vars, y_.StringMap(root["vars"], "vars"));
    }
    const YAML::Node& steps = root["steps"];
    if (!steps) return y_.Error(root, "runbook has no steps: key");
    if (!steps.IsSequence() || steps.size() == 0) return y_.Error(steps, "steps: expected a non-empty list of steps");
    for (const YAML::Node& node : steps) {
      KELOLA_ASSIGN_OR_RETURN(RunbookStep step, ParseStep(node));
      book.steps.push_back(std::move(step));
    }
    return book;
  }

 private:
  Result<RunbookStep> ParseStep(const YAML::Node& node) {
    if (!node.IsMap()) return y_.Error(node, "each step must be a mapping, e.g. {command: ...}");
    std::vector<std::string_view> found;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      for (std::string_view action : kActions) {
        if (it->first.Scalar() == action) found.push_back(action);
      }
    }
    std::vector<std::string_view> allowed = {"name", "sudo", "timeout"};
    allowed.insert(allowed.end(), kActions.begin(), kActions.end());
    if (found.size() == 1 && found[0] == "command") allowed.insert(allowed.end(), {"creates", "unless"});
    KELOLA_RETURN_IF_ERROR(y_.CheckMap(node, "step", allowed));
    if (found.empty()) {
      return y_.Error(node, "step has no action: give one of command, upload, template, package, service, wait_for");
    }
    if (found.size() > 1) {
      return y_.Error(node, "step has two actions (" + std::string(found[0]) + " and " + std::string(found[1]) +
                                "): split it in two steps");
    }
    RunbookStep step;
    step.source = y_.Position(node);
    if (node["name"]) {
      KELOLA_ASSIGN_OR_RETURN(step.name, y_.String(node["name"], "name"));
    }
    if (node["sudo"]) {
      KELOLA_ASSIGN_OR_RETURN(step.sudo, y_.Bool(node["sudo"], "sudo"));
    }
    if (node["timeout"]) {
      KELOLA_ASSIGN_OR_RETURN(step.timeout, y_.DurationValue(node["timeout"], "timeout"));
    }
    const std::string action(found[0]);
    const YAML::Node& body = node[action];
    if (action == "command") {
      step.kind = RunbookStep::Kind::kCommand;
      KELOLA_ASSIGN_OR_RETURN(step.command, y_.String(body, "command"));
      if (step.command.empty()) return y_.Error(body, "command is empty");
      if (node["creates"]) {
        KELOLA_ASSIGN_OR_RETURN(step.creates, y_.String(node["creates"], "creates"));
      }
      if (node["unless"]) {
        KELOLA_ASSIGN_OR_RETURN(step.unless, y_.String(node["unless"], "unless"));
      }
      if (step.name.empty()) step.name = "command " + step.command.substr(0, 40);
    } else if (action == "upload" || action == "template") {
      KELOLA_RETURN_IF_ERROR(ParseFileStep(body, action, &step));
    } else if (action == "package") {
      step.kind = RunbookStep::Kind::kPackage;
      KELOLA_RETURN_IF_ERROR(y_.CheckMap(body, "package", {"name", "state", "deb"}));
      if (!body["name"] == !body["deb"]) return y_.Error(body, "package: give either name or deb");
      if (body["deb"]) {
        KELOLA_ASSIGN_OR_RETURN(step.deb, y_.String(body["deb"], "package.deb"));
        if (step.deb.empty() || step.deb[0] != '/') {
          return y_.Error(body["deb"], "package.deb: expected an absolute path of a .deb file on the host");
        }
      } else {
        KELOLA_ASSIGN_OR_RETURN(step.packages, y_.StringList(body["name"], "package.name"));
      }
      for (const std::string& package : step.packages) {
        if (package.empty() || package[0] == '-')
          return y_.Error(body["name"], "package: bad package name \"" + package + "\"");
      }
      if (body["state"]) {
        KELOLA_ASSIGN_OR_RETURN(std::string state, y_.String(body["state"], "package.state"));
        if (state != "present" && state != "absent") {
          return y_.Error(body["state"], "package.state: expected present or absent, got \"" + state + "\"");
        }
        step.present = state == "present";
      }
      if (step.name.empty()) step.name = "package " + (step.deb.empty() ? step.packages[0] : step.deb);
    } else if (action == "service") {
      KELOLA_RETURN_IF_ERROR(ParseService(body, &step));
    } else {
      KELOLA_RETURN_IF_ERROR(ParseWaitFor(body, &step));
    }
    return step;
  }

  Status ParseFileStep(const YAML::Node& body, const std::string& action, RunbookStep* step) {
    step->kind = action == "upload" ? RunbookStep::Kind::kUpload : RunbookStep::Kind::kTemplate;
    KELOLA_RETURN_IF_ERROR(y_.CheckMap(body, action, {"src", "dest", "mode", "owner"}));
    if (!body["src"] || !body["dest"]) return y_.Error(body, action + ": src and dest are required");
    KELOLA_ASSIGN_OR_RETURN(std::string src, y_.String(body["src"], action + ".src"));
    KELOLA_ASSIGN_OR_RETURN(step->dest, y_.String(body["dest"], action + ".dest"));
    if (step->dest.empty() || step->dest.back() == '/')
      return y_.Error(body["dest"], action + ".dest must name a file");
    if (body["owner"]) {
      KELOLA_ASSIGN_OR_RETURN(step->owner, y_.String(body["owner"], action + ".owner"));
    }
    if (body["mode"]) {
      KELOLA_ASSIGN_OR_RETURN(std::string mode, y_.String(body["mode"], action + ".mode"));
      // YAML 1.2 reads 0644 as 644 or 420 depending on the parser: take the
      // digits as octal, as chmod does.
      if (mode.empty() || mode.size() > 5 || mode.find_first_not_of("01234567") != std::string::npos) {
        return y_.Error(body["mode"], action + ".mode: expected octal digits like \"0644\", got \"" + mode + "\"");
      }
      step->mode = static_cast<unsigned>(std::stoul(mode, nullptr, 8));
      if (step->mode > 07777) return y_.Error(body["mode"], action + ".mode: " + mode + " is too large");
    }
    step->local_path = src.empty() || src[0] == '/' || base_dir_.empty() ? src : base_dir_ + "/" + src;
    auto content = ReadLocalFile(step->local_path);
    if (!content.ok()) return y_.Error(body["src"], action + ".src: " + content.status().message());
    if (step->kind == RunbookStep::Kind::kTemplate) step->template_text = std::move(*content);
    if (step->name.empty()) step->name = action + " " + step->dest;
    return OkStatus();
  }

  Status ParseService(const YAML::Node& body, RunbookStep* step) {
    step->kind = RunbookStep::Kind::kService;
    KELOLA_RETURN_IF_ERROR(y_.CheckMap(body, "service", {"name", "state", "enabled", "command", "pidfile"}));
    if (!body["name"]) return y_.Error(body, "service: name is required");
    KELOLA_ASSIGN_OR_RETURN(step->service, y_.String(body["name"], "service.name"));
    if (step->service.empty() || step->service[0] == '-') return y_.Error(body["name"], "service: bad name");
    step->service_state = "started";
    if (body["state"]) {
      KELOLA_ASSIGN_OR_RETURN(step->service_state, y_.String(body["state"], "service.state"));
      if (step->service_state != "started" && step->service_state != "stopped" && step->service_state != "restarted") {
        return y_.Error(body["state"],
                        "service.state: expected started, stopped or restarted, got \"" + step->service_state + "\"");
      }
    }
    if (body["enabled"]) {
      KELOLA_ASSIGN_OR_RETURN(bool enabled, y_.Bool(body["enabled"], "service.enabled"));
      step->enabled = enabled;
    }
    if (body["command"]) {
      KELOLA_ASSIGN_OR_RETURN(step->service_command, y_.String(body["command"], "service.command"));
    }
    if (body["pidfile"]) {
      KELOLA_ASSIGN_OR_RETURN(step->pidfile, y_.String(body["pidfile"], "service.pidfile"));
    }
    if (step->service_command.empty() != step->pidfile.empty()) {
      return y_.Error(body, "service: command and pidfile go together (they describe the plain process)");
    }
    if (step->name.empty()) step->name = "service " + step->service + " " + step->service_state;
    return OkStatus();
  }

  Status ParseWaitFor(const YAML::Node& body, RunbookStep* step) {
    step->kind = RunbookStep::Kind::kWaitFor;
    KELOLA_RETURN_IF_ERROR(y_.CheckMap(body, "wait_for", {"host", "port", "url", "timeout"}));
    if (body["host"]) {
      KELOLA_ASSIGN_OR_RETURN(step->wait_host, y_.String(body["host"], "wait_for.host"));
    }
    if (body["port"]) {
      KELOLA_ASSIGN_OR_RETURN(int64_t port, y_.Int(body["port"], "wait_for.port", 1, 65535));
      step->wait_port = static_cast<int>(port);
    }
    if (body["url"]) {
      KELOLA_ASSIGN_OR_RETURN(step->wait_url, y_.String(body["url"], "wait_for.url"));
      if (step->wait_url.rfind("http://", 0) != 0 && step->wait_url.rfind("https://", 0) != 0) {
        return y_.Error(body["url"], "wait_for.url: expected an http:// or https:// URL");
      }
    }
    if ((step->wait_port == 0) == step->wait_url.empty()) return y_.Error(body, "wait_for: give either port or url");
    if (body["timeout"]) {
      KELOLA_ASSIGN_OR_RETURN(step->wait_timeout, y_.DurationValue(body["timeout"], "wait_for.timeout"));
    }
    if (step->name.empty()) {
      step->name = "wait for " +
                   (step->wait_url.empty() ? step->wait_host + ":" + std::to_string(step->wait_port) : step->wait_url);
    }
    return OkStatus();
  }

  YamlFields y_;
  std::string base_dir_;
};

}  // namespace

Result<Runbook> ParseRunbook(const std::string& yaml, const std::string& display_name, const std::string& base_dir) {
  return RunbookParser(display_name, base_dir).Parse(yaml);
}

Result<Runbook> LoadRunbook(const std::string& path) {
  auto text = ReadLocalFile(path);
  if (!text.ok()) return NotFoundError("runbook " + path + ": cannot read the file");
  const size_t slash = path.rfind('/');
  return ParseRunbook(*text, path, slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace kelola
