#include "store/resource_rules.h"

#include <nlohmann/json.hpp>

#include "store/lease_rules.h"
#include "store/resource_validation.h"

namespace kelola {

std::string ResourceSubject(const std::string& kind, const std::string& name) { return kind + "/" + name; }

Status CheckGetRequest(const std::string& kind, const std::string& name) {
  KELOLA_RETURN_IF_ERROR(ValidateKind(kind));
  return ValidateResourceName(name);
}

Status CheckDeleteRequest(const std::string& kind, const std::string& name, const DeleteOptions& options) {
  KELOLA_RETURN_IF_ERROR(CheckGetRequest(kind, name));
  if (options.fence.has_value()) KELOLA_RETURN_IF_ERROR(ValidateLeaseName(options.fence->lease));
  return OkStatus();
}

Status CheckListRequest(const ListOptions& options) {
  KELOLA_RETURN_IF_ERROR(ValidateKind(options.kind));
  KELOLA_RETURN_IF_ERROR(ValidateSelector(options.selector));
  if (options.limit < 0) return InvalidArgumentError("list limit must not be negative");
  return OkStatus();
}

void TrimToListLimit(ListResult& result, int limit) {
  if (limit > 0 && result.items.size() > static_cast<size_t>(limit)) {
    result.items.pop_back();
    result.next_after = result.items.back().name;
  }
}

Result<CanonicalPut> PreparePut(const Resource& resource, const PutOptions& options) {
  KELOLA_RETURN_IF_ERROR(ValidateResource(resource));
  if (options.expected_resource_version.value_or(0) < 0) {
    return InvalidArgumentError("expected resourceVersion must not be negative");
  }
  if (options.fence.has_value()) KELOLA_RETURN_IF_ERROR(ValidateLeaseName(options.fence->lease));
  CanonicalPut put;
  KELOLA_ASSIGN_OR_RETURN(put.spec, CanonicalJsonObject(resource.spec_json, "spec"));
  KELOLA_ASSIGN_OR_RETURN(put.status, CanonicalJsonObject(resource.status_json, "status"));
  return put;
}

Status CheckPutPrecondition(const std::string& kind, const std::string& name, const std::optional<Resource>& existing,
                            std::optional<int64_t> expected) {
  if (!expected.has_value()) return OkStatus();
  if (*expected == 0) {
    if (existing.has_value()) {
      return AlreadyExistsError(ResourceSubject(kind, name) + " already exists (resourceVersion " +
                                std::to_string(existing->resource_version) + ")");
    }
    return OkStatus();
  }
  if (!existing.has_value()) {
    return AbortedError("update of " + ResourceSubject(kind, name) + " expected resourceVersion " +
                        std::to_string(*expected) + " but the resource does not exist");
  }
  if (existing->resource_version != *expected) {
    return AbortedError("update of " + ResourceSubject(kind, name) + " expected resourceVersion " +
                        std::to_string(*expected) + " but the current one is " +
                        std::to_string(existing->resource_version));
  }
  return OkStatus();
}

Status CheckDeletePrecondition(const std::string& kind, const std::string& name,
                               const std::optional<Resource>& existing, std::optional<int64_t> expected) {
  if (!existing.has_value()) return NotFoundError(ResourceSubject(kind, name) + " not found");
  if (expected.has_value() && *expected != existing->resource_version) {
    return AbortedError("delete of " + ResourceSubject(kind, name) + " expected resourceVersion " +
                        std::to_string(*expected) + " but the current one is " +
                        std::to_string(existing->resource_version));
  }
  return OkStatus();
}

Result<std::optional<Resource>> MergePut(const std::optional<Resource>& existing, const Resource& resource,
                                         const std::string& canonical_spec, const std::string& canonical_status,
                                         bool status_only, WallTime now) {
  Resource stored;
  if (existing.has_value()) {
    stored = *existing;
    if (!status_only) {
      if (stored.labels != resource.labels || stored.spec_json != canonical_spec) ++stored.generation;
      stored.labels = resource.labels;
      stored.spec_json = canonical_spec;
    }
    stored.status_json = canonical_status;
    // A write that changes nothing is not a change: no new version and no
    // event, so a controller re-writing the same status cannot wake itself.
    if (stored.generation == existing->generation && stored.labels == existing->labels &&
        stored.status_json == existing->status_json) {
      return std::optional<Resource>();
    }
  } else {
    if (status_only) {
      return NotFoundError(ResourceSubject(resource.kind, resource.name) +
                           " not found: a status update needs an existing resource");
    }
    stored = resource;
    stored.spec_json = canonical_spec;
    stored.status_json = canonical_status;
    stored.generation = 1;
    stored.created_at = now;
  }
  stored.updated_at = now;
  return std::optional<Resource>(std::move(stored));
}

Event ResourceChangeEvent(const std::string& type, const Resource& r, const std::string& actor, WallTime time) {
  Event event;
  event.time = time;
  event.type = type;
  event.subject = ResourceSubject(r.kind, r.name);
  event.actor = actor;
  nlohmann::json data = {
      {"kind", r.kind}, {"name", r.name}, {"resourceVersion", r.resource_version}, {"generation", r.generation}};
  event.data_json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return event;
}

}  // namespace kelola
