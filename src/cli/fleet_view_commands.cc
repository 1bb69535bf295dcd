// kelola fleet get [NAME] | hosts [GROUP] | describe NAME: the read side of
// the fleet, from the ServerGroup and Host resources and the event log.
#include <algorithm>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "cli/cli_support.h"
#include "cli/fleet_commands.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string GroupPath(const std::string& name) { return "/v1/server-groups/" + PercentEncode(name); }

void PrintDocument(const json& doc, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    std::cout << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    std::cout << JsonToYaml(doc);
  }
}

Result<std::vector<json>> ListGroups(ApiClient& client) {
  std::vector<json> out;
  std::string cont;
  do {
    std::string path = "/v1/server-groups?limit=500";
    if (!cont.empty()) path += "&continue=" + PercentEncode(cont);
    KELOLA_ASSIGN_OR_RETURN(json page, client.Get(path));
    for (json& g : page["items"]) out.push_back(std::move(g));
    cont = page.contains("metadata") ? page["metadata"].value("continue", "") : "";
  } while (!cont.empty());
  return out;
}

std::string Name(const json& resource) { return resource["metadata"].value("name", ""); }

int Get(const GlobalFlags& flags, const std::string& name) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  std::vector<json> groups;
  if (name.empty()) {
    auto all = ListGroups(**client);
    if (!all.ok()) return ReportError(all.status());
    groups = std::move(*all);
  } else {
    auto one = (*client)->Get(GroupPath(name));
    if (!one.ok()) return ReportError(one.status());
    groups.push_back(std::move(*one));
  }
  if (*format != OutputFormat::kTable) {
    PrintDocument(name.empty() ? json{{"items", groups}} : groups.front(), *format);
    return 0;
  }
  auto hosts = ListFleetHosts(**client, name);
  if (!hosts.ok()) return ReportError(hosts.status());
  std::map<std::string, std::vector<FleetHostRow>> by_group;
  for (FleetHostRow& h : *hosts) by_group[h.group].push_back(std::move(h));
  const WallTime now = SystemClock().Now();
  std::vector<std::vector<std::string>> rows = {{"NAME", "PROVIDER", "TEAM", "COUNT", "READY", "AGE", "STATUS"}};
  for (const json& g : groups) {
    const json& spec = g["spec"];
    GroupProgress p = SummarizeGroup(g, by_group[Name(g)]);
    rows.push_back({Name(g), spec.value("provider", ""), spec.value("team", "default"), std::to_string(p.wanted),
                    std::to_string(p.ready) + "/" + std::to_string(p.wanted),
                    FormatAge(g["metadata"].value("createdAt", ""), now),
                    p.destroying  ? "Destroying"
                    : p.converged ? "Ready"
                    : p.failed    ? "Failed"
                                  : "Converging"});
  }
  std::cout << FormatTable(rows);
  return 0;
}

std::vector<std::vector<std::string>> HostTable(const std::vector<FleetHostRow>& hosts, bool with_group) {
  const WallTime now = SystemClock().Now();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"HOST", "GROUP", "STATE", "ADDRESS", "PROVIDER ID", "SINCE", "REASON"};
  if (!with_group) header.erase(header.begin() + 1);
  rows.push_back(header);
  for (const FleetHostRow& h : hosts) {
    std::vector<std::string> row = {h.name,  h.group, h.state, h.address, h.provider_id, FormatAge(h.since, now),
                                    h.reason};
    if (!with_group) row.erase(row.begin() + 1);
    rows.push_back(std::move(row));
  }
  return rows;
}

int Hosts(const GlobalFlags& flags, const std::string& group) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  if (*format != OutputFormat::kTable) {
    std::string path =
        "/v1/hosts?labelSelector=" + PercentEncode(group.empty() ? "kelola.io/group" : "kelola.io/group=" + group);
    auto r = (*client)->Get(path);
    if (!r.ok()) return ReportError(r.status());
    PrintDocument(*r, *format);
    return 0;
  }
  auto hosts = ListFleetHosts(**client, group);
  if (!hosts.ok()) return ReportError(hosts.status());
  if (hosts->empty()) {
    std::cout << (group.empty() ? "no fleet hosts\n" : "no hosts in server group \"" + group + "\"\n");
    return 0;
  }
  std::cout << FormatTable(HostTable(*hosts, true));
  return 0;
}

// The newest `keep` events of each subject, merged by id.
Result<std::vector<json>> RecentEvents(ApiClient& client, const std::vector<std::string>& subjects, size_t keep) {
  std::vector<json> out;
  for (const std::string& subject : subjects) {
    std::vector<json> mine;
    int64_t after = 0;
    while (true) {
      KELOLA_ASSIGN_OR_RETURN(json page, client.Get("/v1/events?limit=1000&subject=" + PercentEncode(subject) +
                                                    "&after=" + std::to_string(after)));
      const json& items = page.contains("items") ? page["items"] : page;
      if (!items.is_array() || items.empty()) break;
      for (const json& e : items) {
        mine.push_back(e);
        after = std::max<int64_t>(after, e.value("id", int64_t{0}));
      }
      if (mine.size() > keep) mine.erase(mine.begin(), mine.end() - static_cast<std::ptrdiff_t>(keep));
      if (items.size() < 1000) break;
    }
    for (json& e : mine) out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const json& a, const json& b) { return a.value("id", int64_t{0}) < b.value("id", int64_t{0}); });
  if (out.size() > keep) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(keep));
  return out;
}

std::string EventSummary(const json& e) {
  const json& data = e.contains("data") ? e["data"] : json();
  if (!data.is_object()) return data.is_string() ? data.get<std::string>() : "";
  for (const char* key : {"reason", "message", "state", "detail"}) {
    if (data.contains(key) && data[key].is_string() && !data[key].get<std::string>().empty()) {
      return data[key].get<std::string>();
    }
  }
  std::string out;
  for (const auto& [k, v] : data.items()) {
    if (out.size() > 100) break;
    out += (out.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

int Describe(const GlobalFlags& flags, const std::string& name) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  auto group = (*client)->Get(GroupPath(name));
  if (!group.ok()) return ReportError(group.status());
  auto hosts = ListFleetHosts(**client, name);
  if (!hosts.ok()) return ReportError(hosts.status());
  std::vector<std::string> subjects = {"ServerGroup/" + name};
  for (const FleetHostRow& h : *hosts) subjects.push_back("Host/" + h.name);
  auto events = RecentEvents(**client, subjects, 20);
  if (!events.ok()) return ReportError(events.status());
  if (*format != OutputFormat::kTable) {
    json hosts_json = json::array();
    for (const FleetHostRow& h : *hosts) {
      hosts_json.push_back({{"name", h.name},
                            {"state", h.state},
                            {"address", h.address},
                            {"providerId", h.provider_id},
                            {"since", h.since},
                            {"reason", h.reason}});
    }
    PrintDocument({{"group", *group}, {"hosts", hosts_json}, {"events", *events}}, *format);
    return 0;
  }
  size_t width = 0;
  auto summary = DescribeGroupSpec(*group);
  for (const auto& [k, v] : summary) width = std::max(width, k.size());
  for (const auto& [k, v] : summary) std::cout << k << ":" << std::string(width + 2 - k.size(), ' ') << v << "\n";
  GroupProgress p = SummarizeGroup(*group, *hosts);
  std::cout << "Progress:" << std::string(width + 2 > 9 ? width + 2 - 9 : 1, ' ') << FormatGroupProgress(p) << "\n";
  std::cout << "\nHosts:\n";
  if (hosts->empty()) {
    std::cout << "  (none)\n";
  } else {
    std::string table = FormatTable(HostTable(*hosts, false));
    size_t start = 0;
    while (start < table.size()) {
      size_t end = table.find('\n', start);
      if (end == std::string::npos) end = table.size();
      std::cout << "  " << table.substr(start, end - start) << "\n";
      start = end + 1;
    }
  }
  std::cout << "\nEvents (newest last):\n";
  if (events->empty()) std::cout << "  (none)\n";
  std::vector<std::vector<std::string>> rows;
  for (const json& e : *events) {
    rows.push_back({e.value("time", ""), e.value("type", ""), e.value("subject", ""), EventSummary(e)});
  }
  if (!rows.empty()) {
    std::string table = FormatTable(rows);
    size_t start = 0;
    while (start < table.size()) {
      size_t end = table.find('\n', start);
      if (end == std::string::npos) end = table.size();
      std::cout << "  " << table.substr(start, end - start) << "\n";
      start = end + 1;
    }
  }
  return 0;
}

}  // namespace

void AddFleetViewCommands(CLI::App& fleet, const GlobalFlags& flags, int& exit_code) {
  auto* get = fleet.add_subcommand("get", "List server groups (or one) with their ready hosts");
  auto get_name = std::make_shared<std::string>();
  get->add_option("name", *get_name, "a ServerGroup (all when omitted)");
  get->callback([&flags, &exit_code, get_name] { exit_code = Get(flags, *get_name); });

  auto* hosts = fleet.add_subcommand("hosts", "List fleet hosts with their lifecycle state");
  auto hosts_group = std::make_shared<std::string>();
  hosts->add_option("group", *hosts_group, "only this ServerGroup's hosts");
  hosts->callback([&flags, &exit_code, hosts_group] { exit_code = Hosts(flags, *hosts_group); });

  auto* describe = fleet.add_subcommand("describe", "A group's spec, its hosts with reasons, and recent events");
  auto describe_name = std::make_shared<std::string>();
  describe->add_option("name", *describe_name, "the ServerGroup")->required();
  describe->callback([&flags, &exit_code, describe_name] { exit_code = Describe(flags, *describe_name); });
}

}  // namespace kelola
