// RunExecution: carries one claimed run from `running` to its end.
//
//   fetch the Pipeline → commit status pending → check out the exact commit
//   into a clean workspace (WORK_DIR/<run id>) → parse .kelola.yml → for each
//   step: evaluate `when`, resolve its secrets, run it (image steps in a
//   container, host steps as a subprocess, build and push through the
//   ImageBuilder), store its masked output (RunLog) and its status → the
//   run's end (succeeded | failed | error | cancelled, with a reason) →
//   commit status success | failure | error → workspace removed. A run
//   that succeeded on a Pipeline with a deployTarget then requests a
//   release of the image it pushed (pipeline_deploy.h; the run's reason
//   names the release, or why none — a run is not failed by a refusal).
//
// A malformed or missing .kelola.yml fails the run with the parser's
// "file:line:col: key: message" as reason, and the commit status is error.
// A step that fails stops the run (later steps are skipped). Infrastructure
// failures (checkout, Docker unreachable, a missing secret or Pipeline) end
// the run as error. Every write to the run goes through the store's version
// precondition; a concurrent writer (the API setting cancelRequested) is
// merged in, and a run finished by someone else (a recovery on another
// replica) stops this execution.
// Thread-safety: Execute() runs on one thread; Cancel() and Heartbeat() may
// be called from others.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run.h"
#include "pipeline/run_log.h"
#include "runner/image_builder.h"
#include "runner/secret_masker.h"
#include "runner/source_checkout.h"
#include "runner/step_cancel.h"
#include "runner/step_executor.h"
#include "runworker/commit_reporter.h"
#include "store/store.h"

namespace kelola {

// What a run needs from the server. The Docker-backed parts are fetched per
// use: they fail (the run ends as error) when no engine is reachable.
struct RunEnvironment {
  Store& store;
  Clock& clock;
  SourceCheckout& checkout;
  StepExecutor& host_steps;
  std::function<Result<StepExecutor*>()> container_steps;
  std::function<Result<ImageBuilder*>()> images;
  SecretResolver secrets;
  CommitReporter& reporter;
  std::string work_dir;                        // workspaces: WORK_DIR/<run id>
  std::string logs_dir;                        // RunLog files
  std::string artifacts_dir;                   // kept artifacts: ARTIFACTS_DIR/<run id>/<path>
  uint64_t max_artifact_bytes = 256ULL << 20;  // per run
};

class RunExecution {
 public:
  // `run` is the claimed run as stored (status running, claimed_by set).
  RunExecution(RunEnvironment& env, Run run) : env_(env), run_(std::move(run)) {}

  // Runs it to the end; the returned Run is its final stored state.
  Run Execute();
  // Kills what runs now and ends the run as `status` (cancelled; failed
  // with reason "interrupted" when the server stops). The first call wins.
  void Cancel(const std::string& reason, std::string_view status = kRunCancelled);
  // Writes heartbeat_at (the run is alive on this replica).
  void Heartbeat();
  const std::string& id() const { return id_; }

 private:
  struct Outcome {
    std::string status;  // kRunSucceeded, ...
    std::string reason;
    CommitState commit = CommitState::kSuccess;
  };

  Outcome RunAll();
  // Copies the step's `artifacts:` out of the workspace and lists them on the run.
  Status KeepStepArtifacts(const PipelineStep& step, const std::string& workspace);
  Outcome CancelledOutcome();
  Outcome RunSteps(const PipelineFile& file, const std::string& workspace);
  // The step's outcome; `failure` is set to the run's outcome when it stops the run.
  bool ExecuteStep(const PipelineFile& file, const PipelineStep& step, size_t index, const std::string& workspace,
                   Outcome& failure);
  Result<StepOutcome> RunCommands(const PipelineFile& file, const PipelineStep& step, const std::string& workspace,
                                  const std::map<std::string, std::string>& secret_env,
                                  const std::vector<std::string>& secret_values, StepCancel& cancel);
  Status RunBuild(const PipelineStep& step, const std::string& workspace, const std::vector<std::string>& secrets,
                  StepCancel& cancel);
  Status RunPush(const PipelineStep& step, const std::vector<std::string>& secrets, StepCancel& cancel);
  void Finish(const Outcome& outcome);
  // The Pipeline's deployTarget gets the pushed image (pipeline_deploy.h);
  // the run's reason says which release, or why none.
  std::string RequestDeployment();

  // Applies `change` to the run and stores it (merging concurrent writes).
  // False when the run was finished by someone else.
  bool Update(const std::function<void(Run&)>& change);
  void Log(const std::string& step, const std::string& stream, const std::string& line);
  bool cancelled() const { return cancelled_.load(); }

  RunEnvironment& env_;
  std::mutex mu_;  // guards run_, current_cancel_, cancel_reason_
  Run run_;
  const std::string id_ = run_.id;
  PipelineSpec pipeline_;
  std::unique_ptr<RunLogWriter> log_;
  SecretMasker masker_;                  // every secret of the run, for kelola's own lines
  std::vector<std::string> secrets_;     // their values
  std::vector<std::string> built_tags_;  // tags the build steps made
  std::thread pending_post_;             // the "pending" commit status, posted during the checkout
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> lost_{false};  // finished by someone else
  std::string cancel_reason_;
  std::string cancel_status_;
  StepCancel* current_cancel_ = nullptr;
};

}  // namespace kelola
