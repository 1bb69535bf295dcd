#include "cli/fleet_view.h"

#include <cstdio>
#include <ctime>

#include "fleet/fleet_host.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Text(const json& doc, const char* key) {
  if (!doc.is_object()) return "";
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& Member(const json& doc, const char* key) {
  static const json empty = json::object();
  if (!doc.is_object()) return empty;
  auto it = doc.find(key);
  return it != doc.end() && it->is_object() ? *it : empty;
}

int64_t Integer(const json& doc, const char* key, int64_t fallback) {
  if (!doc.is_object()) return fallback;
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// Lifecycle order, for the progress line.
const std::vector<std::string>& StateOrder() {
  static const std::vector<std::string> order = {"Requested", "Launching", "Booted",   "Bootstrapping",
                                                 "Ready",     "Failed",    "Draining", "Terminating"};
  return order;
}

bool InProgress(const std::string& state) { return state != "Ready" && state != "Failed"; }

}  // namespace

FleetHostRow FleetHostRowFrom(const json& host) {
  FleetHostRow row;
  const json& metadata = Member(host, "metadata");
  const json& status = Member(host, "status");
  row.name = Text(metadata, "name");
  row.group = Text(Member(metadata, "labels"), kFleetGroupLabel);
  row.state = Text(status, "state");
  if (row.state.empty()) row.state = "Requested";
  row.address = Text(status, "address");
  if (row.address.empty()) row.address = Text(Member(host, "spec"), "address");
  row.provider_id = Text(status, "providerId");
  row.since = Text(status, "since");
  row.reason = Text(status, "reason");
  row.image = Text(status, "image");
  row.size = Text(status, "size");
  return row;
}

std::vector<FleetHostRow> FleetHostRowsFrom(const json& items) {
  std::vector<FleetHostRow> out;
  if (!items.is_array()) return out;
  for (const json& h : items) out.push_back(FleetHostRowFrom(h));
  return out;
}

GroupProgress SummarizeGroup(const json& group, const std::vector<FleetHostRow>& hosts) {
  GroupProgress p;
  const json& metadata = Member(group, "metadata");
  const json& spec = Member(group, "spec");
  p.group = Text(metadata, "name");
  p.wanted = static_cast<int>(Integer(spec, "count", 1));
  p.destroying = Text(Member(metadata, "labels"), "kelola.io/deleting") == "true";
  const std::string image = Text(spec, "image");
  const std::string size = Text(spec, "size");
  bool in_progress = false;
  for (const FleetHostRow& h : hosts) {
    ++p.by_state[h.state];
    if (InProgress(h.state)) in_progress = true;
    if (h.state != "Ready") continue;
    ++p.ready;
    const bool image_ok = image.empty() || h.image.empty() || h.image == image;
    const bool size_ok = size.empty() || h.size.empty() || h.size == size;
    if (image_ok && size_ok) ++p.current;
  }
  // A controller that reports which generation it acted on is waited for.
  const json& status = Member(group, "status");
  const int64_t generation = Integer(metadata, "generation", 0);
  const bool seen = Integer(status, "observedGeneration", generation) >= generation;
  const int failed = p.by_state.count("Failed") ? p.by_state.at("Failed") : 0;
  p.phase = Text(status, "phase");
  p.reason = Text(status, "reason");
  const bool invalid = seen && p.phase == "Invalid";
  p.converged = !p.destroying && seen && !invalid && !in_progress && failed == 0 && p.current == p.wanted &&
                static_cast<int>(hosts.size()) == p.wanted;
  p.failed = !p.destroying && seen && ((!in_progress && failed > 0) || invalid);
  return p;
}

std::string FormatGroupProgress(const GroupProgress& p) {
  std::string others;
  int left = 0;
  for (const std::string& state : StateOrder()) {
    auto it = p.by_state.find(state);
    if (it == p.by_state.end() || it->second == 0) continue;
    left += it->second;
    if (state == "Ready" && !p.destroying) continue;
    others += (others.empty() ? "" : ", ") + std::to_string(it->second) + " " + state;
  }
  if (p.destroying) {
    if (left == 0) return p.group + ": destroying, no hosts left";
    return p.group + ": destroying, " + std::to_string(left) + (left == 1 ? " host" : " hosts") + " left (" + others +
           ")";
  }
  std::string line = p.group + ": " + std::to_string(p.ready) + "/" + std::to_string(p.wanted) + " Ready";
  if (p.current < p.ready) line += " (" + std::to_string(p.ready - p.current) + " outdated)";
  if (!others.empty()) line += ", " + others;
  if ((p.phase == "Invalid" || p.phase == "Error") && !p.reason.empty()) {
    line += " (" + p.phase + ": " + (p.reason.size() > 100 ? p.reason.substr(0, 97) + "..." : p.reason) + ")";
  }
  return line;
}

std::string FormatAge(const std::string& text, WallTime now) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 19 || std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return "";
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const time_t then = timegm(&tm);
  const int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - then;
  if (secs < 0) return "0s";
  if (secs < 120) return std::to_string(secs) + "s";
  if (secs < 2 * 3600) return std::to_string(secs / 60) + "m";
  if (secs < 2 * 86400) return std::to_string(secs / 3600) + "h";
  return std::to_string(secs / 86400) + "d";
}

std::vector<std::pair<std::string, std::string>> DescribeGroupSpec(const json& group) {
  std::vector<std::pair<std::string, std::string>> out;
  const json& metadata = Member(group, "metadata");
  const json& spec = Member(group, "spec");
  auto add = [&out](std::string key, std::string value) {
    if (!value.empty()) out.emplace_back(std::move(key), std::move(value));
  };
  add("Name", Text(metadata, "name"));
  add("Team", Text(spec, "team"));
  std::string where = Text(spec, "provider");
  if (!Text(spec, "region").empty()) where += " " + Text(spec, "region");
  if (!Text(spec, "zone").empty()) where += " (" + Text(spec, "zone") + ")";
  add("Provider", where);
  add("Image", Text(spec, "image"));
  add("Size", Text(spec, "size"));
  add("Count", std::to_string(Integer(spec, "count", 1)));
  std::string labels;
  for (const auto& [k, v] : Member(spec, "labels").items()) {
    labels += (labels.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  add("Labels", labels);
  const json& network = Member(spec, "network");
  std::string net = Text(network, "vpcCidr");
  if (network.contains("subnets") && network["subnets"].is_array() && !network["subnets"].empty()) {
    std::string subnets;
    for (const json& s : network["subnets"]) subnets += (subnets.empty() ? "" : " ") + s.get<std::string>();
    net += (net.empty() ? "" : ", ") + std::string("subnets ") + subnets;
  }
  add("Network", net);
  if (network.contains("ingress") && network["ingress"].is_array()) {
    std::string rules;
    for (const json& r : network["ingress"]) {
      std::string rule = Text(r, "protocol").empty() ? "tcp" : Text(r, "protocol");
      if (r.contains("port")) {
        rule += "/" + r["port"].dump();
      } else if (r.contains("fromPort")) {
        rule += "/" + r["fromPort"].dump() + "-" + (r.contains("toPort") ? r["toPort"].dump() : r["fromPort"].dump());
      }
      rule += " from " + (Text(r, "cidr").empty() ? std::string("0.0.0.0/0") : Text(r, "cidr"));
      rules += (rules.empty() ? "" : "; ") + rule;
    }
    add("Ingress", rules);
  }
  const json& bootstrap = Member(spec, "bootstrap");
  if (!bootstrap.empty()) {
    std::string b;
    if (!Text(bootstrap, "userData").empty()) b += "user-data";
    if (!Text(bootstrap, "runbook").empty()) b += std::string(b.empty() ? "" : " + ") + "runbook";
    if (b.empty()) b = "none";
    b += ", ssh " + (Text(bootstrap, "sshUser").empty() ? std::string("root") : Text(bootstrap, "sshUser")) + " port " +
         std::to_string(Integer(bootstrap, "sshPort", 22));
    if (!Text(bootstrap, "sshKeySecret").empty()) b += ", key from secret " + Text(bootstrap, "sshKeySecret");
    if (!Text(bootstrap, "timeout").empty()) b += ", timeout " + Text(bootstrap, "timeout");
    add("Bootstrap", b);
  }
  const json& health = Member(spec, "healthCheck");
  if (!health.empty()) {
    std::string c;
    if (health.contains("tcp")) c = "tcp port " + std::to_string(Integer(Member(health, "tcp"), "port", 0));
    if (health.contains("http")) {
      const json& http = Member(health, "http");
      c = "http GET :" + std::to_string(Integer(http, "port", 80)) +
          (Text(http, "path").empty() ? std::string("/") : Text(http, "path"));
    }
    if (health.contains("command")) c = "command `" + Text(Member(health, "command"), "command") + "`";
    if (!Text(health, "interval").empty()) c += ", every " + Text(health, "interval");
    if (!Text(health, "timeout").empty()) c += ", timeout " + Text(health, "timeout");
    c += ", Failed after " + std::to_string(Integer(health, "unhealthyThreshold", 3)) + " failures";
    add("Health check", c);
  }
  add("Self-healing", std::to_string(Integer(spec, "maxReplacementsPerHour", 10)) + " replacements/hour at most");
  add("Created", Text(metadata, "createdAt"));
  const json& labels_meta = Member(metadata, "labels");
  const json& status = Member(group, "status");
  std::string phase = Text(status, "phase");
  if (Text(labels_meta, "kelola.io/deleting") == "true" && phase != "Destroying") phase = "Destroying (requested)";
  if (phase.empty()) phase = "Pending (not reconciled yet)";
  add("Phase", phase);
  add("Reason", Text(status, "reason"));
  return out;
}

}  // namespace kelola
