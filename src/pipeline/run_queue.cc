#include "pipeline/run_queue.h"

namespace kelola {
namespace {

constexpr int kMaxAttempts = 5;

}  // namespace

Result<Run> QueueRunOnce(Store& store, const Run& run) {
  auto created = store.CreateRun(RunToRecord(run));
  if (created.ok()) return RunFromRecord(*created);
  if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  return GetRunById(store, run.id);
}

Result<Run> GetRunById(Store& store, const std::string& id) {
  KELOLA_ASSIGN_OR_RETURN(RunRecord rec, store.GetRun(id));
  return RunFromRecord(rec);
}

Result<Run> CancelRun(Store& store, Clock& clock, const std::string& id, const std::string& reason) {
  Status last = OkStatus();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    KELOLA_ASSIGN_OR_RETURN(Run run, GetRunById(store, id));
    if (IsFinishedRunStatus(run.status)) {
      return FailedPreconditionError("run " + id + " has already finished (" + run.status + ")");
    }
    if (run.status == kRunQueued) {
      run.status = std::string(kRunCancelled);
      run.reason = reason;
      run.finished_at = clock.Now();
    }
    run.cancel_requested = true;
    if (run.reason.empty()) run.reason = reason;
    RunRecord rec = RunToRecord(run);
    auto updated = store.UpdateRun(rec, run.version);
    if (updated.ok()) return RunFromRecord(*updated);
    last = updated.status();
    if (last.code() != StatusCode::kAborted) return last;
  }
  return last;
}

Result<Run> RetryRun(Store& store, const std::string& id) {
  KELOLA_ASSIGN_OR_RETURN(Run original, GetRunById(store, id));
  if (!IsFinishedRunStatus(original.status)) {
    return FailedPreconditionError("run " + id + " is " + original.status + "; only a finished run can be retried");
  }
  KELOLA_ASSIGN_OR_RETURN(Run retry, NewRetryRun(original));
  KELOLA_ASSIGN_OR_RETURN(RunRecord created, store.CreateRun(RunToRecord(retry)));
  return RunFromRecord(created);
}

Result<int> CancelOlderRuns(Store& store, Clock& clock, const Run& newer) {
  int cancelled = 0;
  for (const char* status : {"queued", "running"}) {
    RunFilter filter;
    filter.pipeline = newer.pipeline;
    filter.status = status;
    filter.oldest_first = true;
    filter.limit = 1000;
    KELOLA_ASSIGN_OR_RETURN(auto records, store.ListRuns(filter));
    for (const RunRecord& rec : records) {
      if (rec.seq >= newer.seq) continue;
      KELOLA_ASSIGN_OR_RETURN(Run older, RunFromRecord(rec));
      if (older.branch != newer.branch || older.event != newer.event || older.cancel_requested) continue;
      auto done = CancelRun(store, clock, older.id, "superseded by run " + newer.id);
      if (done.ok()) {
        ++cancelled;
      } else if (done.status().code() != StatusCode::kFailedPrecondition) {
        return done.status();  // finished meanwhile is fine; anything else is not
      }
    }
  }
  return cancelled;
}

}  // namespace kelola
