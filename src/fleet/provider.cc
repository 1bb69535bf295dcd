#include "fleet/provider.h"

namespace kelola {

std::string_view ProviderInstanceStateName(ProviderInstance::State state) {
  switch (state) {
    case ProviderInstance::State::kPending: return "pending";
    case ProviderInstance::State::kRunning: return "running";
    case ProviderInstance::State::kStopped: return "stopped";
    case ProviderInstance::State::kTerminated: return "terminated";
    case ProviderInstance::State::kUnknown: break;
  }
  return "unknown";
}

void FleetProviderRegistry::Add(std::shared_ptr<FleetProvider> provider) {
  const std::string name = provider->Name();
  providers_[name] = std::move(provider);
}

Result<std::shared_ptr<FleetProvider>> FleetProviderRegistry::Get(const std::string& name) const {
  auto it = providers_.find(name);
  if (it != providers_.end()) return it->second;
  std::string known;
  for (const auto& [n, p] : providers_) known += (known.empty() ? "" : ", ") + n;
  return InvalidArgumentError("unknown provider \"" + name + "\" (known: " + (known.empty() ? "none" : known) + ")");
}

std::vector<std::string> FleetProviderRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [n, p] : providers_) out.push_back(n);
  return out;
}

}  // namespace kelola
