// Input checks and event shapes for the webhook inbox and pipeline runs,
// shared by every Store implementation so both behave the same (internal to
// src/store). Pure functions.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace kelola {

Status ValidateInboxEntry(const InboxEntry& entry);
Status ValidateInboxKey(const std::string& source, const std::string& delivery_id);
Status ValidateRunId(const std::string& id);
// Checks id, pipeline, status and that data_json is a JSON object; returns
// the canonical data.
Result<std::string> ValidateRun(const RunRecord& run);
// A filter's limit clamped to 1..1000 (<= 0 means 100).
int ClampPipelineLimit(int limit);

// The stored run after an update: NotFound without `existing`, Aborted when
// its version is not `expected_version`; else `update` with the next version,
// the stored seq and created_at, and updated_at = now.
Result<RunRecord> ApplyRunUpdate(const std::optional<RunRecord>& existing, const RunRecord& update,
                                 std::string canonical_data, int64_t expected_version, WallTime now);

Event InboxReceivedEvent(const InboxEntry& stored);
// "run.created" or "run.updated".
Event RunChangeEvent(const std::string& type, const RunRecord& stored);

}  // namespace kelola
