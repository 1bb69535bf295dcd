// Resource write rules shared by every Store backend: preconditions, what a
// Put changes (generation, no-op detection) and the change event, so SQLite
// and PostgreSQL decide identically. Each backend only reads the stored row
// and writes the result inside its transaction. The contract is in store.h.
//
// Thread-safety: pure functions. Errors as in store.h: AlreadyExists (create
// over an existing resource), Aborted (stale resourceVersion), NotFound.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

std::string ResourceSubject(const std::string& kind, const std::string& name);

// What Get checks before reading: a valid kind and name. InvalidArgument.
Status CheckGetRequest(const std::string& kind, const std::string& name);
// What Delete checks before writing: as Get, and a valid fence lease name.
Status CheckDeleteRequest(const std::string& kind, const std::string& name, const DeleteOptions& options);
// What List checks before reading: kind, selector, a limit not negative.
Status CheckListRequest(const ListOptions& options);
// Backends collect one match more than `limit` (when positive) to know
// whether another page follows: drops it and sets next_after if so.
void TrimToListLimit(ListResult& result, int limit);

// A Put's spec and status in canonical JSON form.
struct CanonicalPut {
  std::string spec;
  std::string status;
};
// Everything a Put checks before touching the database: the resource is
// valid, expected_resource_version is not negative, the fence names a valid
// lease, spec and status are JSON objects. InvalidArgument otherwise.
Result<CanonicalPut> PreparePut(const Resource& resource, const PutOptions& options);

// PutOptions.expected_resource_version against what is stored.
Status CheckPutPrecondition(const std::string& kind, const std::string& name, const std::optional<Resource>& existing,
                            std::optional<int64_t> expected);
// NotFound when missing; Aborted when `expected` is set and differs.
Status CheckDeletePrecondition(const std::string& kind, const std::string& name,
                               const std::optional<Resource>& existing, std::optional<int64_t> expected);

// The resource a Put stores, given the stored one and the canonical spec and
// status JSON; nullopt when the write changes nothing (no new version, no
// event). resource_version is left for the backend to assign. NotFound for a
// status_only write of a missing resource.
Result<std::optional<Resource>> MergePut(const std::optional<Resource>& existing, const Resource& resource,
                                         const std::string& canonical_spec, const std::string& canonical_status,
                                         bool status_only, WallTime now);

// "resource.created|updated|deleted" with data
// {"kind","name","resourceVersion","generation"}.
Event ResourceChangeEvent(const std::string& type, const Resource& resource, const std::string& actor, WallTime time);

}  // namespace kelola
