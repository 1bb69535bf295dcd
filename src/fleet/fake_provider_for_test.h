// FakeFleetProvider: an in-memory FleetProvider for unit tests of the fleet
// controllers. It keeps the provider contract (provider.h): instances carry
// their group and host names, Launch is idempotent per host name and client
// token, Terminate and DeleteNetwork tolerate "already gone". Tests inject
// failures (next_launch_error, list_error) and count calls.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "fleet/provider.h"

namespace kelola {

class FakeFleetProvider : public FleetProvider {
 public:
  explicit FakeFleetProvider(std::string name = "fake") : name_(std::move(name)) {}

  std::string Name() const override { return name_; }
  Status Validate(const ServerGroupSpec& spec) const override {
    if (spec.size == "huge") return InvalidArgumentError("spec.size: unknown size \"huge\"");
    return OkStatus();
  }
  Result<GroupNetwork> EnsureNetwork(const ServerGroupSpec& spec) override {
    std::lock_guard<std::mutex> lock(mu);
    ++ensure_network_calls;
    networks.insert(spec.name);
    return GroupNetwork{{{"network", "net-" + spec.name}}};
  }
  Result<std::vector<ProviderInstance>> Launch(const ServerGroupSpec& spec, const GroupNetwork&,
                                               const std::vector<LaunchSpec>& hosts) override {
    std::lock_guard<std::mutex> lock(mu);
    ++launch_calls;
    if (!next_launch_error.ok()) {
      Status s = next_launch_error;
      next_launch_error = OkStatus();
      return s;
    }
    std::vector<ProviderInstance> out;
    for (const LaunchSpec& h : hosts) {
      auto it = by_token.find(h.client_token);
      if (it == by_token.end()) {
        ProviderInstance i;
        i.provider_id = "i-" + std::to_string(++next_id);
        i.host_name = h.host_name;
        i.group = spec.name;
        i.state = ProviderInstance::State::kRunning;
        i.address = "10.0.0." + std::to_string(next_id);
        i.image = spec.image;
        i.size = spec.size;
        instances[i.provider_id] = i;
        it = by_token.emplace(h.client_token, i.provider_id).first;
        ++instances_created;
      }
      out.push_back(instances.at(it->second));
    }
    return out;
  }
  Result<std::vector<ProviderInstance>> List(const ServerGroupSpec& spec) override {
    std::lock_guard<std::mutex> lock(mu);
    if (!list_error.ok()) return list_error;
    std::vector<ProviderInstance> out;
    for (const auto& [id, i] : instances) {
      if (i.group == spec.name) out.push_back(i);
    }
    return out;
  }
  Result<ProviderInstance> Describe(const ServerGroupSpec&, const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu);
    auto it = instances.find(id);
    if (it == instances.end()) return NotFoundError("instance " + id + " not found");
    return it->second;
  }
  Status Terminate(const ServerGroupSpec&, const std::vector<std::string>& ids) override {
    std::lock_guard<std::mutex> lock(mu);
    ++terminate_calls;
    for (const std::string& id : ids) instances.erase(id);
    return OkStatus();
  }
  Status DeleteNetwork(const ServerGroupSpec& spec) override {
    std::lock_guard<std::mutex> lock(mu);
    networks.erase(spec.name);
    return OkStatus();
  }

  // Test controls and observations (lock `mu` when threads run).
  std::mutex mu;
  std::string name_;
  std::map<std::string, ProviderInstance> instances;  // by provider id
  std::map<std::string, std::string> by_token;        // client token -> provider id
  std::set<std::string> networks;
  Status next_launch_error;
  Status list_error;
  int next_id = 0;
  int launch_calls = 0;
  int terminate_calls = 0;
  int ensure_network_calls = 0;
  int instances_created = 0;
};

}  // namespace kelola
