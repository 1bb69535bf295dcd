#include "store/pipeline_rules.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "store/resource_validation.h"

namespace kelola {
namespace {

Status CheckText(const std::string& value, const char* field, size_t max) {
  if (value.empty()) return InvalidArgumentError(std::string(field) + " is empty");
  if (value.size() > max) {
    return InvalidArgumentError(std::string(field) + " is longer than " + std::to_string(max) + " bytes");
  }
  for (unsigned char c : value) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgumentError(std::string(field) + " must be printable ASCII without spaces");
    }
  }
  return OkStatus();
}

}  // namespace

Status ValidateInboxKey(const std::string& source, const std::string& delivery_id) {
  KELOLA_RETURN_IF_ERROR(CheckText(source, "inbox source", 32));
  return CheckText(delivery_id, "delivery id", 200);
}

Status ValidateInboxEntry(const InboxEntry& entry) {
  KELOLA_RETURN_IF_ERROR(ValidateInboxKey(entry.source, entry.delivery_id));
  if (entry.event.size() > 200) return InvalidArgumentError("inbox event name is longer than 200 bytes");
  auto pipelines = nlohmann::json::parse(entry.pipelines_json, nullptr, false);
  if (!pipelines.is_array()) return InvalidArgumentError("inbox pipelines must be a JSON array");
  return OkStatus();
}

Status ValidateRunId(const std::string& id) { return CheckText(id, "run id", 128); }

Result<std::string> ValidateRun(const RunRecord& run) {
  KELOLA_RETURN_IF_ERROR(ValidateRunId(run.id));
  KELOLA_RETURN_IF_ERROR(ValidateResourceName(run.pipeline));
  KELOLA_RETURN_IF_ERROR(CheckText(run.status, "run status", 32));
  return CanonicalJsonObject(run.data_json, "run data");
}

int ClampPipelineLimit(int limit) { return limit <= 0 ? 100 : std::min(limit, 1000); }

Result<RunRecord> ApplyRunUpdate(const std::optional<RunRecord>& existing, const RunRecord& update,
                                 std::string canonical_data, int64_t expected_version, WallTime now) {
  if (!existing.has_value()) return NotFoundError("run " + update.id + " not found");
  if (existing->version != expected_version) {
    return AbortedError("run " + update.id + " has version " + std::to_string(existing->version) + ", not " +
                        std::to_string(expected_version) + ": it changed meanwhile");
  }
  RunRecord stored = update;
  stored.data_json = std::move(canonical_data);
  stored.seq = existing->seq;
  stored.created_at = existing->created_at;
  stored.updated_at = now;
  stored.version = existing->version + 1;
  return stored;
}

Event InboxReceivedEvent(const InboxEntry& stored) {
  Event e;
  e.type = "webhook.received";
  e.subject = "webhook/" + stored.source + "/" + stored.delivery_id;
  e.actor = "webhook";
  e.time = stored.received_at;
  e.data_json = nlohmann::json{
      {"source", stored.source},
      {"delivery", stored.delivery_id},
      {"event", stored.event},
      {"seq",
       stored.seq}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return e;
}

Event RunChangeEvent(const std::string& type, const RunRecord& stored) {
  Event e;
  e.type = type;
  e.subject = "run/" + stored.id;
  e.actor = "system";
  e.time = stored.updated_at;
  nlohmann::json data = {{"id", stored.id}, {"pipeline", stored.pipeline}, {"status", stored.status}};
  if (type == "run.updated") data["version"] = stored.version;
  e.data_json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return e;
}

}  // namespace kelola
