#include "fleet/fleet_host.h"

#include <array>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr std::array<std::pair<HostState, std::string_view>, 8> kStates = {{
    {HostState::kRequested, "Requested"},
    {HostState::kLaunching, "Launching"},
    {HostState::kBooted, "Booted"},
    {HostState::kBootstrapping, "Bootstrapping"},
    {HostState::kReady, "Ready"},
    {HostState::kFailed, "Failed"},
    {HostState::kDraining, "Draining"},
    {HostState::kTerminating, "Terminating"},
}};

std::string Time(WallTime t) { return t == WallTime{} ? "" : FormatRfc3339(t); }

WallTime ReadTime(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string() || it->get<std::string>().empty()) return WallTime{};
  auto t = ParseRfc3339(it->get<std::string>());
  return t.ok() ? *t : WallTime{};
}

std::string ReadText(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string_view HostStateName(HostState state) {
  for (const auto& [s, name] : kStates) {
    if (s == state) return name;
  }
  return "Unknown";
}

Result<HostState> ParseHostState(std::string_view name) {
  for (const auto& [s, n] : kStates) {
    if (n == name) return s;
  }
  return InvalidArgumentError("unknown host state \"" + std::string(name) + "\"");
}

Result<FleetHostStatus> DecodeFleetHostStatus(const std::string& status_json) {
  json doc = json::parse(status_json, nullptr, false);
  if (!doc.is_object()) return InvalidArgumentError("host status is not a JSON object");
  FleetHostStatus s;
  const std::string state = ReadText(doc, "state");
  if (!state.empty()) {
    KELOLA_ASSIGN_OR_RETURN(s.state, ParseHostState(state));
  }
  s.reason = ReadText(doc, "reason");
  s.since = ReadTime(doc, "since");
  s.group = ReadText(doc, "group");
  s.provider = ReadText(doc, "provider");
  s.provider_id = ReadText(doc, "providerId");
  s.client_token = ReadText(doc, "clientToken");
  s.address = ReadText(doc, "address");
  s.image = ReadText(doc, "image");
  s.size = ReadText(doc, "size");
  s.launched_at = ReadTime(doc, "launchedAt");
  s.ready_at = ReadTime(doc, "readyAt");
  if (auto it = doc.find("consecutiveFailures"); it != doc.end() && it->is_number_integer()) {
    s.consecutive_failures = it->get<int>();
  }
  s.last_check = ReadText(doc, "lastCheck");
  s.last_check_at = ReadTime(doc, "lastCheckAt");
  return s;
}

std::string EncodeFleetHostStatus(const FleetHostStatus& s) {
  json doc = {{"state", std::string(HostStateName(s.state))},
              {"reason", s.reason},
              {"since", Time(s.since)},
              {"group", s.group},
              {"provider", s.provider},
              {"providerId", s.provider_id},
              {"clientToken", s.client_token},
              {"address", s.address},
              {"image", s.image},
              {"size", s.size},
              {"launchedAt", Time(s.launched_at)},
              {"readyAt", Time(s.ready_at)},
              {"consecutiveFailures", s.consecutive_failures},
              {"lastCheck", s.last_check},
              {"lastCheckAt", Time(s.last_check_at)}};
  return doc.dump();
}

bool IsFleetHost(const Resource& host) { return host.kind == "Host" && host.labels.count(kFleetGroupLabel) > 0; }

bool CountsTowardGroup(HostState state) {
  return state != HostState::kFailed && state != HostState::kDraining && state != HostState::kTerminating;
}

}  // namespace kelola
