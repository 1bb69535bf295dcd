#include "engine/fenced_store.h"

namespace kelola {

FencedStore::FencedStore(Store& inner, std::function<std::optional<LeaseFence>()> fence, std::string who)
    : inner_(inner), fence_(std::move(fence)), who_(std::move(who)) {}

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
  KELOLA_ASSIGN_OR_RETURN(LeaseFence fence, CurrentFence(options.fence));
  PutOptions fenced = options;
  fenced.fence = std::move(fence);
  return inner_.PutResource(resource, fenced);
}

Status FencedStore::DeleteResource(const std::string& kind, const std::string& name, const DeleteOptions& options) {
  KELOLA_ASSIGN_OR_RETURN(LeaseFence fence, CurrentFence(options.fence));
  DeleteOptions fenced = options;
  fenced.fence = std::move(fence);
  return inner_.DeleteResource(kind, name, fenced);
}

}  // namespace kelola
