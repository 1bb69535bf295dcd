// kelola deploy|releases|rollback: releases of a Target over the deploy API
// (docs/deploys.md). --wait follows the release to its end with a live
// progress line on a terminal (plain lines when not a TTY) and exits 0 only
// when it Succeeded.
#include <unistd.h>

#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/cli_support.h"
#include "cli/progress_line.h"
#include "net/http_message.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr auto kPollInterval = std::chrono::milliseconds(500);

std::string Str(const json& doc, const json::json_pointer& at) {
  return doc.contains(at) && doc.at(at).is_string() ? doc.at(at).get<std::string>() : std::string();
}
int Int(const json& doc, const json::json_pointer& at) {
  return doc.contains(at) && doc.at(at).is_number_integer() ? doc.at(at).get<int>() : 0;
}

std::string State(const json& release) { return Str(release, json::json_pointer("/status/state")); }

bool Finished(const std::string& state) { return state != "Pending" && state != "RollingOut" && !state.empty(); }

// "RollingOut  updated 1/3  healthy 1  old 2  batch 1/3: waiting for web-2 health"
std::string ProgressText(const json& release) {
  const std::string state = State(release);
  std::string line = state;
  const int total = Int(release, json::json_pointer("/status/progress/total"));
  if (total > 0) {
    line += "  updated " + std::to_string(Int(release, json::json_pointer("/status/progress/updated"))) + "/" +
            std::to_string(total) + "  healthy " +
            std::to_string(Int(release, json::json_pointer("/status/progress/healthy"))) + "  old " +
            std::to_string(Int(release, json::json_pointer("/status/progress/oldRemaining")));
  }
  const std::string phase = Str(release, json::json_pointer("/status/progress/phase"));
  if (!phase.empty()) line += "  " + phase;
  return line;
}

// Follows `name` until it finishes; 0 only when it Succeeded.
int Wait(ApiClient& client, const std::string& name) {
  const bool tty = IsTerminal(STDERR_FILENO);
  std::string last;
  for (;;) {
    auto r = client.Get("/v1/releases/" + PercentEncode(name));
    if (!r.ok()) {
      if (tty && !last.empty()) std::cerr << "\r\033[K";
      return ReportError(r.status());
    }
    const std::string line = ProgressText(*r);
    if (line != last) {
      if (tty) {
        std::cerr << "\r\033[K" << name << ": " << line << std::flush;
      } else {
        std::cerr << name << ": " << line << "\n";
      }
      last = line;
    }
    const std::string state = State(*r);
    if (Finished(state)) {
      if (tty) std::cerr << "\r\033[K";
      const std::string reason = Str(*r, json::json_pointer("/status/reason"));
      std::cout << "release " << name << " " << state << (reason.empty() ? "" : ": " + reason) << "\n";
      return state == "Succeeded" ? 0 : 1;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

int Requested(const GlobalFlags& flags, ApiClient& client, const json& release, bool wait) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  const std::string name = Str(release, json::json_pointer("/metadata/name"));
  if (*format != OutputFormat::kTable && !wait) {
    std::cout << RenderResources(release, *format);
    return 0;
  }
  const std::string previous = Str(release, json::json_pointer("/spec/previous"));
  const std::string undoes = Str(release, json::json_pointer("/spec/rollbackOf"));
  std::cout << "release " << name << " requested: " << Str(release, json::json_pointer("/spec/image"))
            << (undoes.empty() ? "" : ", rolling back " + undoes)
            << (previous.empty() ? " (first release)" : ", live now: " + previous) << "\n";
  if (!wait) return 0;
  return Wait(client, name);
}

int Deploy(const GlobalFlags& flags, const std::string& target, const std::string& image, const std::string& commit,
           bool force, bool wait) {
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  json body = {{"image", image}, {"trigger", "cli"}};
  if (!commit.empty()) body["commit"] = commit;
  if (force) body["force"] = true;
  auto r = (*client)->Post("/v1/targets/" + PercentEncode(target) + "/deploy", body);
  if (!r.ok()) return ReportError(r.status());
  return Requested(flags, **client, *r, wait);
}

int Rollback(const GlobalFlags& flags, const std::string& target, const std::string& release, bool wait) {
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  json body = {{"trigger", "cli"}};
  if (!release.empty()) body["release"] = release;
  auto r = (*client)->Post("/v1/targets/" + PercentEncode(target) + "/rollback", body);
  if (!r.ok()) return ReportError(r.status());
  return Requested(flags, **client, *r, wait);
}

int Releases(const GlobalFlags& flags, const std::string& target) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  auto r = (*client)->Get("/v1/targets/" + PercentEncode(target) + "/releases");
  if (!r.ok()) return ReportError(r.status());
  if (*format != OutputFormat::kTable) {
    std::cout << RenderResources(*r, *format);
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATE", "IMAGE", "COMMIT", "TRIGGER", "STARTED", "NOTE"}};
  for (const json& item : (*r)["items"]) {
    std::string commit = Str(item, json::json_pointer("/spec/commit")).substr(0, 12);
    std::string note;
    if (item.contains(json::json_pointer("/status/bad")) && item.at(json::json_pointer("/status/bad")) == true) {
      note = "bad";
    }
    const std::string undoes = Str(item, json::json_pointer("/spec/rollbackOf"));
    if (!undoes.empty()) note += std::string(note.empty() ? "" : ", ") + "rollback of " + undoes;
    const std::string reason = Str(item, json::json_pointer("/status/reason"));
    if (!reason.empty()) note += std::string(note.empty() ? "" : ": ") + reason;
    rows.push_back({Str(item, json::json_pointer("/metadata/name")), State(item),
                    Str(item, json::json_pointer("/spec/image")), commit.empty() ? "-" : commit,
                    Str(item, json::json_pointer("/spec/trigger/kind")),
                    Str(item, json::json_pointer("/status/startedAt")), note});
  }
  if (rows.size() == 1) {
    std::cout << "no releases of target " << target << " yet\n";
    return 0;
  }
  std::cout << FormatTable(rows);
  return 0;
}

}  // namespace

void AddDeployCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  struct DeployArgs {
    std::string target, image, commit, release;
    bool force = false, wait = false;
  };
  auto args = std::make_shared<DeployArgs>();
  auto* deploy = app.add_subcommand("deploy", "deploy an image to a Target (a new release)");
  deploy->add_option("TARGET", args->target, "the Target")->required();
  deploy->add_option("IMAGE", args->image, "the image, e.g. 127.0.0.1:5000/web:v2")->required();
  deploy->add_option("--commit", args->commit, "the git commit the image was built from");
  deploy->add_flag("--force", args->force, "deploy even a commit whose release was rolled back (bad)");
  deploy->add_flag("--wait", args->wait, "follow the rollout; exit 0 only when it succeeded");
  deploy->callback([&flags, &exit_code, args] {
    exit_code = Deploy(flags, args->target, args->image, args->commit, args->force, args->wait);
  });

  auto rb = std::make_shared<DeployArgs>();
  auto* rollback = app.add_subcommand("rollback", "roll a Target back to an earlier release (a new release)");
  rollback->add_option("TARGET", rb->target, "the Target")->required();
  rollback->add_option("RELEASE", rb->release, "the release to go back to (default: the one before the live one)");
  rollback->add_flag("--wait", rb->wait, "follow the rollout; exit 0 only when it succeeded");
  rollback->callback([&flags, &exit_code, rb] { exit_code = Rollback(flags, rb->target, rb->release, rb->wait); });

  auto ls = std::make_shared<std::string>();
  auto* releases = app.add_subcommand("releases", "a Target's releases, newest first");
  releases->add_option("TARGET", *ls, "the Target")->required();
  releases->callback([&flags, &exit_code, ls] { exit_code = Releases(flags, *ls); });
}

}  // namespace kelola
