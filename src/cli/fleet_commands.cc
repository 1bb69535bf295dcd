// kelola fleet plan|apply|destroy: ServerGroups from YAML files, and the
// wait for a group to converge or vanish (docs/fleet.md). The read-only
// verbs (get, hosts, describe) are in fleet_view_commands.cc.
#include <iostream>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>

#include "api/api_object.h"
#include "base/config_schema.h"
#include "cli/cli_support.h"
#include "cli/fleet_commands.h"
#include "cli/fleet_view.h"
#include "cli/progress_line.h"

namespace kelola {
namespace {

using json = nlohmann::json;

struct GroupDocument {
  std::string name;
  json body;
  std::string where;  // "group.yaml:3"
};

// Every document of the file must be a ServerGroup with a name; errors name
// the file and line (exit 2) before anything is sent.
Result<std::vector<GroupDocument>> LoadGroups(const std::string& path) {
  KELOLA_ASSIGN_OR_RETURN(std::string text, ReadInputFile(path));
  const std::string source = path == "-" ? "<stdin>" : path;
  KELOLA_ASSIGN_OR_RETURN(YamlDocuments docs, ParseYamlDocuments(text, source));
  if (docs.docs.empty()) return InvalidArgumentError(source + ": no documents found");
  std::vector<GroupDocument> out;
  for (size_t i = 0; i < docs.docs.size(); ++i) {
    const json& d = docs.docs[i];
    const std::string where = source + ":" + std::to_string(docs.start_lines[i]);
    if (!d.is_object())
      return InvalidArgumentError(where + ": expected a ServerGroup (a map with kind, metadata, spec)");
    if (!d.contains("kind") || d["kind"] != "ServerGroup") {
      return InvalidArgumentError(where + ": kind: expected \"ServerGroup\", got " +
                                  (d.contains("kind") ? d["kind"].dump() : std::string("nothing")) +
                                  " (other kinds: kelola apply -f)");
    }
    if (!d.contains("metadata") || !d["metadata"].is_object() || !d["metadata"].contains("name") ||
        !d["metadata"]["name"].is_string()) {
      return InvalidArgumentError(where + ": metadata.name: required field is missing");
    }
    out.push_back({d["metadata"]["name"].get<std::string>(), d, where});
  }
  return out;
}

std::string GroupPath(const std::string& name) { return "/v1/server-groups/" + PercentEncode(name); }

int ExitFor(int current, const Status& s) { return std::max(current, ExitCodeFor(s)); }

int Plan(const GlobalFlags& flags, const std::string& file) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto groups = LoadGroups(file);
  if (!groups.ok()) return ReportError(groups.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  int code = 0;
  json all = json::array();
  for (const GroupDocument& g : *groups) {
    auto r = (*client)->Post(GroupPath(g.name) + "/plan", g.body);
    if (!r.ok()) {
      std::cerr << "error: " << g.where << ": server-group/" << g.name << ": " << r.status().message() << "\n";
      code = ExitFor(code, r.status());
      continue;
    }
    if (*format != OutputFormat::kTable) {
      all.push_back(*r);
      continue;
    }
    std::cout << "server-group/" << g.name << (r->value("exists", false) ? "" : " (new)") << ":\n"
              << r->value("text", "");
    if (r->contains("warnings")) {
      for (const json& w : (*r)["warnings"]) std::cout << "warning: " << w.get<std::string>() << "\n";
    }
  }
  if (*format == OutputFormat::kJson) std::cout << all.dump(2) << "\n";
  if (*format == OutputFormat::kYaml) std::cout << JsonToYaml(all);
  return code;
}

// Redraws one status line on a terminal; elsewhere prints it when it changes.
class StatusLine {
 public:
  explicit StatusLine(bool tty) : tty_(tty) {}
  void Show(const std::string& line) {
    if (tty_) {
      std::cerr << "\r\033[K" << line << std::flush;
    } else if (line != last_) {
      std::cerr << line << std::endl;
    }
    last_ = line;
  }
  void Print(const std::string& line) {
    if (tty_) std::cerr << "\r\033[K";
    std::cout << line << std::endl;
    if (tty_ && !last_.empty()) std::cerr << last_ << std::flush;
  }
  void Finish() {
    if (tty_ && !last_.empty()) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  const bool tty_;
  std::string last_;
};

enum class WaitFor { kConverged, kGone };

// Polls the groups until each converged (or is gone), one failed, or the
// timeout passed. Prints each host that turns Failed, with its reason.
int Wait(ApiClient& client, const std::vector<std::string>& names, WaitFor goal, Duration timeout) {
  StatusLine line(IsTerminal(2));
  const MonoTime deadline = SystemClock().Monotonic() + timeout;
  std::set<std::string> reported;  // "host since" of Failed hosts already printed
  std::set<std::string> pending(names.begin(), names.end());
  std::map<std::string, std::string> last_line;
  int code = 0;
  while (!pending.empty()) {
    for (auto it = pending.begin(); it != pending.end();) {
      const std::string& name = *it;
      auto group = client.Get(GroupPath(name));
      if (!group.ok() && group.status().code() != StatusCode::kNotFound) {
        line.Finish();
        std::cerr << "error: server-group/" << name << ": " << group.status().message() << "\n";
        return 1;
      }
      auto hosts = ListFleetHosts(client, name);
      if (!hosts.ok()) {
        line.Finish();
        std::cerr << "error: server-group/" << name << ": hosts: " << hosts.status().message() << "\n";
        return 1;
      }
      for (const FleetHostRow& h : *hosts) {
        if (h.state == "Failed" && reported.insert(h.name + " " + h.since).second) {
          line.Print("host/" + h.name + " Failed: " + (h.reason.empty() ? "no reason given" : h.reason));
        }
      }
      if (!group.ok()) {  // gone
        if (goal == WaitFor::kConverged) {
          line.Print("server-group/" + name + " no longer exists");
          code = 1;
          it = pending.erase(it);
          continue;
        }
        if (hosts->empty()) {
          line.Print("server-group/" + name + " destroyed");
          it = pending.erase(it);
          continue;
        }
        last_line[name] = name + ": gone, " + std::to_string(hosts->size()) + " hosts still listed";
        ++it;
        continue;
      }
      GroupProgress p = SummarizeGroup(*group, *hosts);
      last_line[name] = FormatGroupProgress(p);
      if (goal == WaitFor::kConverged && p.converged) {
        line.Print(last_line[name]);
        line.Print("server-group/" + name + " ready");
        it = pending.erase(it);
        continue;
      }
      if (goal == WaitFor::kConverged && (p.failed || p.destroying)) {
        line.Print(last_line[name]);
        std::string why = p.destroying           ? " is being destroyed"
                          : p.phase == "Invalid" ? " is Invalid: " + p.reason
                                                 : " failed: some hosts are Failed";
        line.Print("server-group/" + name + why + " (kelola fleet describe " + name + ")");
        code = 1;
        it = pending.erase(it);
        continue;
      }
      ++it;
    }
    if (pending.empty()) break;
    std::string status;
    for (const std::string& name : pending) status += (status.empty() ? "" : "  |  ") + last_line[name];
    line.Show(status);
    if (SystemClock().Monotonic() >= deadline) {
      line.Finish();
      std::cerr << "error: timed out; still waiting for: " << status << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));  // polling a remote API: nothing to wait on locally
  }
  line.Finish();
  return code;
}

Result<Duration> ParseTimeout(const std::string& text) {
  auto d = ParseDuration(text);
  if (!d.ok() || *d <= std::chrono::milliseconds(0)) {
    return InvalidArgumentError("--timeout: expected a positive duration such as 10m, got \"" + text + "\"");
  }
  return std::chrono::duration_cast<Duration>(*d);
}

int Apply(const GlobalFlags& flags, const std::string& file, bool wait, const std::string& timeout_text) {
  auto timeout = ParseTimeout(timeout_text);
  if (!timeout.ok()) return ReportError(timeout.status());
  auto groups = LoadGroups(file);
  if (!groups.ok()) return ReportError(groups.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  int code = 0;
  std::vector<std::string> applied;
  for (const GroupDocument& g : *groups) {
    auto r = (*client)->Put(GroupPath(g.name), g.body);
    if (!r.ok()) {
      std::cerr << "error: " << g.where << ": server-group/" << g.name << ": " << r.status().message() << "\n";
      code = ExitFor(code, r.status());
      continue;
    }
    std::string gen = r->contains("metadata") ? (*r)["metadata"].value("generation", json(0)).dump() : "";
    std::cout << "server-group/" << g.name << " applied (generation " << gen << ")\n";
    applied.push_back(g.name);
  }
  if (wait && !applied.empty()) code = std::max(code, Wait(**client, applied, WaitFor::kConverged, *timeout));
  return code;
}

int Destroy(const GlobalFlags& flags, const std::string& name, bool wait, const std::string& timeout_text) {
  auto timeout = ParseTimeout(timeout_text);
  if (!timeout.ok()) return ReportError(timeout.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  auto r = (*client)->Delete(GroupPath(name));
  if (!r.ok()) return ReportError(r.status());
  std::cout << "server-group/" << name << " destroy requested: its hosts and network are being removed\n";
  if (!wait) return 0;
  return Wait(**client, {name}, WaitFor::kGone, *timeout);
}

}  // namespace

Result<std::vector<FleetHostRow>> ListFleetHosts(ApiClient& client, const std::string& group) {
  std::vector<FleetHostRow> rows;
  const std::string selector = group.empty() ? std::string("kelola.io/group") : "kelola.io/group=" + group;
  std::string cont;
  do {
    std::string path = "/v1/hosts?limit=500&labelSelector=" + PercentEncode(selector);
    if (!cont.empty()) path += "&continue=" + PercentEncode(cont);
    KELOLA_ASSIGN_OR_RETURN(json page, client.Get(path));
    for (FleetHostRow& r : FleetHostRowsFrom(page["items"])) rows.push_back(std::move(r));
    cont = page.contains("metadata") ? page["metadata"].value("continue", "") : "";
  } while (!cont.empty());
  return rows;
}

void AddFleetCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* fleet = app.add_subcommand("fleet", "Server groups: plan, apply, get, hosts, describe, destroy");
  fleet->require_subcommand(1);

  auto* plan = fleet->add_subcommand("plan", "Show what applying ServerGroups from a file would change");
  auto plan_file = std::make_shared<std::string>();
  plan->add_option("-f,--filename", *plan_file, "YAML/JSON file with ServerGroups (- for stdin)")->required();
  plan->callback([&flags, &exit_code, plan_file] { exit_code = Plan(flags, *plan_file); });

  struct WaitFlags {
    std::string file;
    std::string name;
    bool wait = false;
    std::string timeout = "10m";
  };
  auto apply_flags = std::make_shared<WaitFlags>();
  auto* apply = fleet->add_subcommand("apply", "Create or update ServerGroups from a file");
  apply->add_option("-f,--filename", apply_flags->file, "YAML/JSON file with ServerGroups (- for stdin)")->required();
  apply->add_flag("--wait", apply_flags->wait, "follow the hosts until every group is Ready (exit 0) or failed (1)");
  apply->add_option("--timeout", apply_flags->timeout, "with --wait: give up after this long")->capture_default_str();
  apply->callback([&flags, &exit_code, apply_flags] {
    exit_code = Apply(flags, apply_flags->file, apply_flags->wait, apply_flags->timeout);
  });

  auto destroy_flags = std::make_shared<WaitFlags>();
  auto* destroy = fleet->add_subcommand("destroy", "Terminate a group's servers, delete its network, then the group");
  destroy->add_option("name", destroy_flags->name, "the ServerGroup")->required();
  destroy->add_flag("--wait", destroy_flags->wait, "wait until the hosts and the group are gone");
  destroy->add_option("--timeout", destroy_flags->timeout, "with --wait: give up after this long")
      ->capture_default_str();
  destroy->callback([&flags, &exit_code, destroy_flags] {
    exit_code = Destroy(flags, destroy_flags->name, destroy_flags->wait, destroy_flags->timeout);
  });

  AddFleetViewCommands(*fleet, flags, exit_code);
}

}  // namespace kelola
