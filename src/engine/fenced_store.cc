#include "engine/fenced_store.h"

#include "base/logging.h"
#include "store/lease_rules.h"

namespace kelola {

FencedStore::FencedStore(Store& inner, std::function<std::optional<LeaseFence>()> fence, std::string who)
    : inner_(inner), fence_(std::move(fence)), who_(std::move(who)) {}

Status FencedStore::Refused(Status why, const char* action) const {
  LogWarn("fence refused an action", {{"controller", who_}, {"action", action}, {"error", why.ToString()}});
  return why;
}

Result<LeaseFence> FencedStore::CurrentFence(const std::optional<LeaseFence>& requested) const {
  std::optional<LeaseFence> fence = fence_();
  if (!fence.has_value()) return FailedPreconditionError(who_ + " is not the leader: write refused");
  if (requested.has_value() && (requested->lease != fence->lease || requested->token != fence->token)) {
    return FailedPreconditionError(who_ + ": write carries a fence for lease " + requested->lease +
                                   ", not this controller's " + fence->lease);
  }
  return *fence;
}

Result<Resource> FencedStore::PutResource(const Resource& resource, const PutOptions& options) {
  auto fence = CurrentFence(options.fence);
  if (!fence.ok()) return Refused(fence.status(), "put");
  PutOptions fenced = options;
  fenced.fence = std::move(*fence);
  auto put = inner_.PutResource(resource, fenced);
  if (put.status().code() == StatusCode::kFailedPrecondition) return Refused(put.status(), "put");
  return put;
}

Status FencedStore::DeleteResource(const std::string& kind, const std::string& name, const DeleteOptions& options) {
  auto fence = CurrentFence(options.fence);
  if (!fence.ok()) return Refused(fence.status(), "delete");
  DeleteOptions fenced = options;
  fenced.fence = std::move(*fence);
  Status deleted = inner_.DeleteResource(kind, name, fenced);
  if (deleted.code() == StatusCode::kFailedPrecondition) return Refused(deleted, "delete");
  return deleted;
}

Status FencedStore::ConfirmLeadership() {
  auto fence = CurrentFence(std::nullopt);
  if (!fence.ok()) return Refused(fence.status(), "confirm leadership");
  KELOLA_ASSIGN_OR_RETURN(std::vector<Lease> leases, inner_.ListLeases());
  std::optional<Lease> current;
  for (Lease& lease : leases) {
    if (lease.name == fence->lease) current = std::move(lease);
  }
  Status held = CheckFence(current, *fence);
  if (!held.ok()) return Refused(held, "confirm leadership");
  return OkStatus();
}

}  // namespace kelola
