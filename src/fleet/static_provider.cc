// StaticProvider: adoption of existing machines, derived from the group's
// Host resources on every call (see static_provider.h for why).
#include "fleet/static_provider.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "fleet/fleet_host.h"

namespace kelola {
namespace {

bool IsIpv4(const std::string& s) {
  in_addr a{};
  return ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool IsIpv6(const std::string& s) {
  in6_addr a{};
  return ::inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

// RFC 1123 host name: dot-separated labels of letters, digits and '-'.
bool IsHostName(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.find_first_not_of("0123456789.") == std::string::npos) return false;  // "10.0.0.300" is no name
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string::npos) dot = s.size();
    const std::string label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    start = dot + 1;
  }
  return true;
}

bool LooksLikePublicKey(const std::string& key) {
  const size_t space = key.find(' ');
  if (space == std::string::npos || space == 0) return false;
  const std::string type = key.substr(0, space);
  if (type.rfind("ssh-", 0) != 0 && type.rfind("ecdsa-", 0) != 0 && type.rfind("sk-", 0) != 0) return false;
  std::string base64 = key.substr(space + 1);
  base64 = base64.substr(0, base64.find(' '));
  if (base64.size() < 16) return false;
  return base64.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
         std::string::npos;
}

bool Leaving(HostState state) {
  return state == HostState::kFailed || state == HostState::kDraining || state == HostState::kTerminating;
}

}  // namespace

std::string StaticMachineId(const StaticHostSpec& machine) {
  const bool ipv6 = machine.address.find(':') != std::string::npos;
  return (ipv6 ? "[" + machine.address + "]" : machine.address) + ":" + std::to_string(machine.port);
}

StaticProvider::StaticProvider(Store& store) : store_(store) {}

Status StaticProvider::Validate(const ServerGroupSpec& spec) const {
  if (spec.static_hosts.empty()) {
    return InvalidArgumentError("spec.staticHosts: the static provider adopts existing machines; list at least one");
  }
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < spec.static_hosts.size(); ++i) {
    const StaticHostSpec& m = spec.static_hosts[i];
    const std::string where = "spec.staticHosts[" + std::to_string(i) + "]";
    if (!IsIpv4(m.address) && !IsIpv6(m.address) && !IsHostName(m.address)) {
      return InvalidArgumentError(where + ".address: \"" + m.address + "\" is neither an IP address nor a host name");
    }
    if (m.port < 1 || m.port > 65535) {
      return InvalidArgumentError(where + ".port: " + std::to_string(m.port) + " is not 1 to 65535");
    }
    if (!m.host_key.empty() && !LooksLikePublicKey(m.host_key)) {
      return InvalidArgumentError(where + ".hostKey: expected \"<type> <base64>\" as in a .pub file, e.g. " +
                                  "\"ssh-ed25519 AAAA...\"");
    }
    const std::string id = StaticMachineId(m);
    auto [it, inserted] = seen.emplace(id, i);
    if (!inserted) {
      return InvalidArgumentError(where + ": " + id + " is already spec.staticHosts[" + std::to_string(it->second) +
                                  "]");
    }
  }
  if (spec.count > static_cast<int>(spec.static_hosts.size())) {
    return InvalidArgumentError("spec.count " + std::to_string(spec.count) + " is more than the " +
                                std::to_string(spec.static_hosts.size()) + " machines in spec.staticHosts");
  }
  return OkStatus();
}

Result<GroupNetwork> StaticProvider::EnsureNetwork(const ServerGroupSpec&) {
  return GroupNetwork{};  // the machines are on whatever network they are on
}

Status StaticProvider::DeleteNetwork(const ServerGroupSpec&) { return OkStatus(); }

Status StaticProvider::Terminate(const ServerGroupSpec&, const std::vector<std::string>&) {
  // Releasing is forgetting: the Host resource that held the machine is
  // deleted by the group controller, which frees it. The machine itself is
  // not touched (no shutdown, no cleanup of what the runbook installed).
  return OkStatus();
}

Result<std::vector<std::pair<std::string, StaticProvider::Holder>>> StaticProvider::Holders(const std::string& group) {
  std::vector<std::pair<std::string, Holder>> holders;
  ListOptions list;
  list.kind = "Host";
  // Every static Host, so a machine listed by two groups is adopted by one.
  list.selector.push_back(LabelRequirement{kFleetGroupLabel, LabelRequirement::Op::kExists, {}});
  do {
    KELOLA_ASSIGN_OR_RETURN(ListResult page, store_.ListResources(list));
    for (const Resource& host : page.items) {
      auto status = DecodeFleetHostStatus(host.status_json);
      if (!status.ok() || status->provider_id.empty()) continue;
      const std::string host_group = host.labels.at(kFleetGroupLabel);
      auto provider = host.labels.find(kFleetProviderLabel);
      const bool is_static = status->provider == kStaticProviderName ||
                             (provider != host.labels.end() && provider->second == kStaticProviderName);
      if (host_group != group && !is_static) continue;
      const nlohmann::json spec = nlohmann::json::parse(host.spec_json, nullptr, false);
      std::string key;
      if (spec.is_object() && spec.contains("hostKey") && spec["hostKey"].is_string()) key = spec["hostKey"];
      holders.emplace_back(status->provider_id, Holder{host.name, Leaving(status->state), host.created_at,
                                                       host_group != group, host_group, key});
    }
    list.after_name = page.next_after;
  } while (!list.after_name.empty());
  return holders;
}

ProviderInstance StaticProvider::Instance(const ServerGroupSpec& spec, const StaticHostSpec& machine,
                                          const std::string& host, WallTime since,
                                          const std::vector<std::pair<std::string, Holder>>& holders) const {
  ProviderInstance i;
  i.provider_id = StaticMachineId(machine);
  i.host_name = host;
  i.group = spec.name;
  i.state = ProviderInstance::State::kRunning;
  i.state_detail = host.empty() ? "free" : "adopted by " + host;
  i.address = machine.address;
  i.ssh_port = machine.port;
  i.host_key = machine.host_key;
  for (const auto& [id, holder] : holders) {
    if (i.host_key.empty() && id == i.provider_id && !holder.other_group) i.host_key = holder.host_key;
  }
  i.launched_at = since;
  return i;
}

Result<std::vector<ProviderInstance>> StaticProvider::Launch(const ServerGroupSpec& spec, const GroupNetwork&,
                                                             const std::vector<LaunchSpec>& hosts) {
  KELOLA_ASSIGN_OR_RETURN(auto holders, Holders(spec.name));
  std::map<std::string, std::string> held_by_host;      // host -> machine id
  std::map<std::string, std::vector<std::string>> who;  // machine id -> its live holders
  std::set<std::string> held, held_by_live;
  for (const auto& [id, holder] : holders) {
    if (!holder.other_group) held_by_host[holder.host] = id;
    held.insert(id);
    if (!holder.leaving || holder.other_group) {
      held_by_live.insert(id);
      who[id].push_back(holder.other_group ? holder.host + " of group " + holder.group : holder.host);
    }
  }
  std::map<std::string, const StaticHostSpec*> machines;
  for (const StaticHostSpec& m : spec.static_hosts) machines[StaticMachineId(m)] = &m;

  std::vector<ProviderInstance> adopted;
  std::set<std::string> assigned;
  std::vector<std::string> missing;
  const WallTime now = SystemClock().Now();
  for (const LaunchSpec& request : hosts) {
    auto mine = held_by_host.find(request.host_name);
    if (mine != held_by_host.end() && machines.count(mine->second) > 0) {  // adopted before: idempotent
      adopted.push_back(Instance(spec, *machines[mine->second], request.host_name, now, holders));
      assigned.insert(mine->second);
      continue;
    }
    const StaticHostSpec* pick = nullptr;
    for (const StaticHostSpec& m : spec.static_hosts) {  // a free machine first
      const std::string id = StaticMachineId(m);
      if (held.count(id) == 0 && assigned.count(id) == 0) {
        pick = &m;
        break;
      }
    }
    for (const StaticHostSpec& m : spec.static_hosts) {  // else one whose Host is on its way out
      if (pick != nullptr) break;
      const std::string id = StaticMachineId(m);
      if (held_by_live.count(id) == 0 && assigned.count(id) == 0) pick = &m;
    }
    if (pick == nullptr) {
      missing.push_back(request.host_name);
      continue;
    }
    assigned.insert(StaticMachineId(*pick));
    adopted.push_back(Instance(spec, *pick, request.host_name, now, holders));
  }
  if (!missing.empty()) {
    std::string names, owners;
    for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
    for (const StaticHostSpec& m : spec.static_hosts) {
      const std::string id = StaticMachineId(m);
      std::string by;
      for (const auto& h : who[id]) by += (by.empty() ? "" : "+") + h;
      if (by.empty() && assigned.count(id) > 0) by = "this launch";
      owners += (owners.empty() ? "" : ", ") + id + " (" + (by.empty() ? "held" : by) + ")";
    }
    return ResourceExhaustedError("static group " + spec.name + ": no free machine for " + names + ": all " +
                                  std::to_string(spec.static_hosts.size()) + " machines of spec.staticHosts are " +
                                  "adopted: " + owners + "; add machines or wait for a host to be released");
  }
  return adopted;
}

Result<std::vector<ProviderInstance>> StaticProvider::List(const ServerGroupSpec& spec) {
  KELOLA_ASSIGN_OR_RETURN(auto holders, Holders(spec.name));
  std::vector<ProviderInstance> out;
  for (const auto& [id, holder] : holders) {
    if (holder.other_group) continue;
    for (const StaticHostSpec& m : spec.static_hosts) {
      if (StaticMachineId(m) == id) out.push_back(Instance(spec, m, holder.host, holder.created_at, holders));
    }
  }
  return out;
}

Result<ProviderInstance> StaticProvider::Describe(const ServerGroupSpec& spec, const std::string& provider_id) {
  const StaticHostSpec* machine = nullptr;
  for (const StaticHostSpec& m : spec.static_hosts) {
    if (StaticMachineId(m) == provider_id) machine = &m;
  }
  if (machine == nullptr) {
    return NotFoundError("static machine " + provider_id + " is not in spec.staticHosts of group " + spec.name);
  }
  KELOLA_ASSIGN_OR_RETURN(auto holders, Holders(spec.name));
  std::string host;
  WallTime since{};
  for (const auto& [id, holder] : holders) {
    if (id != provider_id || holder.other_group) continue;
    if (host.empty() || !holder.leaving) {  // the live holder names it
      host = holder.host;
      since = holder.created_at;
    }
  }
  return Instance(spec, *machine, host, since, holders);
}

}  // namespace kelola
