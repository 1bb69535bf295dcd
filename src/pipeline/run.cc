#include "pipeline/run.h"

#include "base/crypto.h"

namespace kelola {
namespace {

using json = nlohmann::json;

json TimeJson(const std::optional<WallTime>& t) { return t.has_value() ? json(UnixMillis(*t)) : json(nullptr); }

std::optional<WallTime> TimeFrom(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
  return WallTime(std::chrono::milliseconds(it->get<int64_t>()));
}

std::string Text(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

json Rfc3339(const std::optional<WallTime>& t) { return t.has_value() ? json(FormatRfc3339(*t)) : json(nullptr); }

json ImagesJson(const std::vector<RunImage>& images) {
  json out = json::array();
  for (const RunImage& i : images) {
    out.push_back({{"reference", i.reference}, {"digest", i.digest}, {"pinned", i.pinned}});
  }
  return out;
}

json ArtifactsJson(const std::vector<RunArtifact>& artifacts) {
  json out = json::array();
  for (const RunArtifact& a : artifacts) {
    out.push_back({{"step", a.step}, {"path", a.path}, {"bytes", a.bytes}, {"sha256", a.sha256}});
  }
  return out;
}

}  // namespace

bool IsFinishedRunStatus(std::string_view s) {
  return s == kRunSucceeded || s == kRunFailed || s == kRunCancelled || s == kRunError;
}

std::string RunIdFor(const std::string& source, const std::string& delivery_id, const std::string& pipeline) {
  return "r" + Sha256Hex(source + "\n" + delivery_id + "\n" + pipeline).substr(0, 20);
}

Run NewRunFromEvent(const std::string& pipeline, const ForgeEvent& event, const std::string& source,
                    const std::string& delivery_id, const std::string& clone_url) {
  Run r;
  r.id = RunIdFor(source, delivery_id, pipeline);
  r.pipeline = pipeline;
  r.source = source;
  r.delivery_id = delivery_id;
  r.event = std::string(ForgeEventKindName(event.kind));
  r.sha = event.sha;
  r.ref = event.ref;
  r.branch = event.branch;
  r.tag = event.tag;
  r.repository = event.repository;
  r.clone_url = clone_url.empty() ? event.clone_url : clone_url;
  r.web_url = event.web_url;
  r.sender = event.sender;
  r.message = event.message;
  r.pull_request = event.pull_request;
  return r;
}

Result<Run> NewRetryRun(const Run& original) {
  KELOLA_ASSIGN_OR_RETURN(std::string random, RandomBytes(10));
  Run r = original;
  r.id = "r" + HexEncode(random);
  r.status = std::string(kRunQueued);
  r.reason.clear();
  r.cancel_requested = false;
  r.retry_of = original.id;
  r.steps.clear();
  r.images.clear();
  r.claimed_by.clear();
  r.heartbeat_at.reset();
  r.started_at.reset();
  r.finished_at.reset();
  r.seq = 0;
  r.version = 0;
  return r;
}

RunRecord RunToRecord(const Run& run) {
  json steps = json::array();
  for (const RunStep& s : run.steps) {
    json step = {{"name", s.name},
                 {"status", s.status},
                 {"startedAt", TimeJson(s.started_at)},
                 {"finishedAt", TimeJson(s.finished_at)},
                 {"reason", s.reason}};
    step["exitCode"] = s.exit_code.has_value() ? json(*s.exit_code) : json(nullptr);
    steps.push_back(std::move(step));
  }
  json data = {{"reason", run.reason},
               {"cancelRequested", run.cancel_requested},
               {"source", run.source},
               {"deliveryId", run.delivery_id},
               {"event", run.event},
               {"sha", run.sha},
               {"ref", run.ref},
               {"branch", run.branch},
               {"tag", run.tag},
               {"repository", run.repository},
               {"cloneUrl", run.clone_url},
               {"webUrl", run.web_url},
               {"sender", run.sender},
               {"message", run.message},
               {"pullRequest", run.pull_request},
               {"retryOf", run.retry_of},
               {"steps", std::move(steps)},
               {"images", ImagesJson(run.images)},
               {"artifacts", ArtifactsJson(run.artifacts)},
               {"claimedBy", run.claimed_by},
               {"heartbeatAt", TimeJson(run.heartbeat_at)},
               {"startedAt", TimeJson(run.started_at)},
               {"finishedAt", TimeJson(run.finished_at)}};
  RunRecord rec;
  rec.id = run.id;
  rec.pipeline = run.pipeline;
  rec.status = run.status;
  rec.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
  rec.seq = run.seq;
  rec.version = run.version;
  rec.created_at = run.created_at;
  rec.updated_at = run.updated_at;
  return rec;
}

Result<Run> RunFromRecord(const RunRecord& rec) {
  json d = json::parse(rec.data_json, nullptr, false);
  if (!d.is_object()) return DataLossError("run " + rec.id + ": stored data is not a JSON object");
  Run r;
  r.id = rec.id;
  r.pipeline = rec.pipeline;
  r.status = rec.status;
  r.seq = rec.seq;
  r.version = rec.version;
  r.created_at = rec.created_at;
  r.updated_at = rec.updated_at;
  r.reason = Text(d, "reason");
  if (auto it = d.find("cancelRequested"); it != d.end() && it->is_boolean()) r.cancel_requested = it->get<bool>();
  r.source = Text(d, "source");
  r.delivery_id = Text(d, "deliveryId");
  r.event = Text(d, "event");
  r.sha = Text(d, "sha");
  r.ref = Text(d, "ref");
  r.branch = Text(d, "branch");
  r.tag = Text(d, "tag");
  r.repository = Text(d, "repository");
  r.clone_url = Text(d, "cloneUrl");
  r.web_url = Text(d, "webUrl");
  r.sender = Text(d, "sender");
  r.message = Text(d, "message");
  if (auto it = d.find("pullRequest"); it != d.end() && it->is_number_integer()) r.pull_request = it->get<int>();
  r.retry_of = Text(d, "retryOf");
  r.started_at = TimeFrom(d, "startedAt");
  r.finished_at = TimeFrom(d, "finishedAt");
  r.claimed_by = Text(d, "claimedBy");
  r.heartbeat_at = TimeFrom(d, "heartbeatAt");
  if (auto it = d.find("images"); it != d.end() && it->is_array()) {
    for (const json& i : *it) {
      if (i.is_object()) r.images.push_back({Text(i, "reference"), Text(i, "digest"), Text(i, "pinned")});
    }
  }
  if (auto it = d.find("artifacts"); it != d.end() && it->is_array()) {
    for (const json& a : *it) {
      if (!a.is_object()) continue;
      uint64_t bytes = a.contains("bytes") && a["bytes"].is_number_unsigned() ? a["bytes"].get<uint64_t>() : 0;
      r.artifacts.push_back({Text(a, "step"), Text(a, "path"), bytes, Text(a, "sha256")});
    }
  }
  if (auto it = d.find("steps"); it != d.end() && it->is_array()) {
    for (const json& s : *it) {
      if (!s.is_object()) continue;
      RunStep step;
      step.name = Text(s, "name");
      step.status = Text(s, "status");
      step.reason = Text(s, "reason");
      if (auto ec = s.find("exitCode"); ec != s.end() && ec->is_number_integer()) step.exit_code = ec->get<int>();
      step.started_at = TimeFrom(s, "startedAt");
      step.finished_at = TimeFrom(s, "finishedAt");
      r.steps.push_back(std::move(step));
    }
  }
  return r;
}

json RunToJson(const Run& r) {
  json steps = json::array();
  for (const RunStep& s : r.steps) {
    json step = {{"name", s.name},
                 {"status", s.status},
                 {"startedAt", Rfc3339(s.started_at)},
                 {"finishedAt", Rfc3339(s.finished_at)}};
    if (s.exit_code.has_value()) step["exitCode"] = *s.exit_code;
    if (!s.reason.empty()) step["reason"] = s.reason;
    steps.push_back(std::move(step));
  }
  json trigger = {{"source", r.source},         {"deliveryId", r.delivery_id},
                  {"event", r.event},           {"ref", r.ref},
                  {"branch", r.branch},         {"tag", r.tag},
                  {"repository", r.repository}, {"cloneUrl", r.clone_url},
                  {"webUrl", r.web_url},        {"sender", r.sender},
                  {"message", r.message}};
  if (r.pull_request != 0) trigger["pullRequest"] = r.pull_request;
  if (!r.retry_of.empty()) trigger["retryOf"] = r.retry_of;
  json out = {{"id", r.id},
              {"pipeline", r.pipeline},
              {"status", r.status},
              {"sha", r.sha},
              {"ref", r.ref},
              {"event", r.event},
              {"deliveryId", r.delivery_id},
              {"trigger", std::move(trigger)},
              {"cancelRequested", r.cancel_requested},
              {"steps", std::move(steps)},
              {"images", ImagesJson(r.images)},
              {"artifacts", ArtifactsJson(r.artifacts)},
              {"queuePosition", r.seq},
              {"version", r.version},
              {"createdAt", FormatRfc3339(r.created_at)},
              {"updatedAt", FormatRfc3339(r.updated_at)},
              {"startedAt", Rfc3339(r.started_at)},
              {"finishedAt", Rfc3339(r.finished_at)}};
  if (!r.reason.empty()) out["reason"] = r.reason;
  if (!r.claimed_by.empty()) out["claimedBy"] = r.claimed_by;
  if (r.heartbeat_at.has_value()) out["heartbeatAt"] = FormatRfc3339(*r.heartbeat_at);
  return out;
}

}  // namespace kelola
