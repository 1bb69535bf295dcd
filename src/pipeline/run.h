// Run: one execution of a pipeline for one commit, as the API shows it and
// the runner (a later issue) advances it. Stored as a RunRecord: the queue
// columns (id, pipeline, status, seq, version, times) plus the rest as JSON.
//
// Status: queued -> running -> succeeded | failed | cancelled | error. A
// cancel of a queued run makes it cancelled at once; of a running one sets
// cancel_requested for the runner to act on. `reason` says why a run ended
// other than succeeded ("interrupted", the failing step, a bad .kelola.yml).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "pipeline/forge_event.h"
#include "store/store.h"

namespace kelola {

inline constexpr std::string_view kRunQueued = "queued";
inline constexpr std::string_view kRunRunning = "running";
inline constexpr std::string_view kRunSucceeded = "succeeded";
inline constexpr std::string_view kRunFailed = "failed";
inline constexpr std::string_view kRunCancelled = "cancelled";
inline constexpr std::string_view kRunError = "error";

bool IsFinishedRunStatus(std::string_view status);

struct RunStep {
  std::string name;
  std::string status = "pending";  // pending | running | succeeded | failed | skipped | cancelled
  std::optional<int> exit_code;
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  std::string reason;
};

// An image a `push` step put in a registry.
struct RunImage {
  std::string reference;  // "127.0.0.1:5000/app:latest"
  std::string digest;     // "sha256:..."
  std::string pinned;     // "127.0.0.1:5000/app@sha256:..."
};

// A file a step's `artifacts:` kept with the run (src/runworker/artifacts.h).
struct RunArtifact {
  std::string step;
  std::string path;  // relative to the workspace
  uint64_t bytes = 0;
  std::string sha256;
};

struct Run {
  std::string id;
  std::string pipeline;
  std::string status = std::string(kRunQueued);
  std::string reason;
  bool cancel_requested = false;
  // What triggered it.
  std::string source;       // "github" | "gitlab" | "retry"
  std::string delivery_id;  // the forge delivery ("" for a retry)
  std::string event;        // "push" | "tag" | "pull_request"
  std::string sha;
  std::string ref;
  std::string branch;
  std::string tag;
  std::string repository;
  std::string clone_url;
  std::string web_url;
  std::string sender;
  std::string message;
  int pull_request = 0;
  std::string retry_of;  // the run this one retries
  std::vector<RunStep> steps;
  std::vector<RunImage> images;
  std::vector<RunArtifact> artifacts;
  // The runner: which replica claimed it, and when it last said it is alive.
  std::string claimed_by;
  std::optional<WallTime> heartbeat_at;
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  // Kept by the store.
  int64_t seq = 0;
  int64_t version = 0;
  WallTime created_at{};
  WallTime updated_at{};
};

// A run queued for `pipeline` by forge event `event` of delivery
// `source`/`delivery_id`; its id is derived from the three, so turning the
// same inbox entry into runs twice creates each run once.
Run NewRunFromEvent(const std::string& pipeline, const ForgeEvent& event, const std::string& source,
                    const std::string& delivery_id, const std::string& clone_url);
std::string RunIdFor(const std::string& source, const std::string& delivery_id, const std::string& pipeline);
// A new queued run of the same commit as `original`, with a fresh random id.
Result<Run> NewRetryRun(const Run& original);

RunRecord RunToRecord(const Run& run);
Result<Run> RunFromRecord(const RunRecord& record);
// The API's JSON shape of a run (docs/pipelines.md).
nlohmann::json RunToJson(const Run& run);

}  // namespace kelola
