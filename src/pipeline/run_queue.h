// The run actions the API and the controllers share: queueing a run once,
// cancelling, retrying, and cancelling older runs of a branch. Each is a
// read-modify-write with the store's version precondition, retried a few
// times when another writer (the runner) got there first.
//
// Errors: NotFound (no such run), FailedPrecondition (cancelling a finished
// run, retrying one that has not finished), the Store's errors.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "pipeline/run.h"
#include "store/store.h"

namespace kelola {

// Creates `run` unless a run with its id exists (then returns the stored
// one): turning an inbox entry into runs twice queues each run once.
Result<Run> QueueRunOnce(Store& store, const Run& run);
Result<Run> GetRunById(Store& store, const std::string& id);
// A queued run becomes cancelled at once; a running one gets
// cancel_requested for the runner to act on.
Result<Run> CancelRun(Store& store, Clock& clock, const std::string& id, const std::string& reason);
// Queues a new run of the same commit; the original must have finished.
Result<Run> RetryRun(Store& store, const std::string& id);
// Cancels the queued and running runs of `pipeline` for `branch` queued
// before `newer` (cancel_previous). Returns how many it cancelled.
Result<int> CancelOlderRuns(Store& store, Clock& clock, const Run& newer);

}  // namespace kelola
