#include "runworker/run_execution.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "pipeline/run_queue.h"
#include "runworker/artifacts.h"
#include "runworker/pipeline_deploy.h"
#include "runworker/step_condition.h"

namespace kelola {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKelolaStream = "kelola";
constexpr const char* kCheckoutStep = "checkout";
constexpr const char* kDeployStep = "deploy";

const char* StreamName(StepStream s) { return s == StepStream::kStderr ? "stderr" : "stdout"; }

std::string Seconds(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  std::ostringstream out;
  out.precision(ms < 10'000 ? 2 : 0);
  out << std::fixed << static_cast<double>(ms) / 1000.0 << "s";
  return out.str();
}

// `relative` inside `root`, or InvalidArgument (no "..", no absolute path).
Result<std::string> InsideWorkspace(const std::string& root, const std::string& relative, const std::string& what) {
  fs::path rel = fs::path(relative).lexically_normal();
  if (rel.is_absolute() || (!rel.empty() && *rel.begin() == "..")) {
    return InvalidArgumentError(what + " \"" + relative + "\" must be a path inside the repository");
  }
  return (fs::path(root) / rel).lexically_normal().string();
}

// A Secret holding registry credentials: "user:password" or a JSON auth
// config {"username","password","serveraddress"}.
RegistryCredentials ParseCredentials(const std::string& value) {
  RegistryCredentials c;
  nlohmann::json doc = nlohmann::json::parse(value, nullptr, false);
  if (doc.is_object()) {
    c.username = doc.value("username", "");
    c.password = doc.value("password", "");
    c.server_address = doc.value("serveraddress", "");
    return c;
  }
  std::string v = value;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  auto colon = v.find(':');
  if (colon == std::string::npos) {
    c.password = v;
  } else {
    c.username = v.substr(0, colon);
    c.password = v.substr(colon + 1);
  }
  return c;
}

// "host:5000/team/app:1.2" → ("host:5000/team/app", "1.2"); no tag → latest.
std::pair<std::string, std::string> SplitTag(const std::string& ref) {
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {ref, "latest"};
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

}  // namespace

void RunExecution::Log(const std::string& step, const std::string& stream, const std::string& line) {
  if (log_) log_->Append(step, stream, stream == kKelolaStream ? masker_.Mask(line) : line);
}

bool RunExecution::Update(const std::function<void(Run&)>& change) {
  std::lock_guard<std::mutex> l(mu_);
  if (lost_) return false;
  change(run_);
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto saved = env_.store.UpdateRun(RunToRecord(run_), run_.version);
    if (saved.ok()) {
      run_.version = saved->version;
      run_.updated_at = saved->updated_at;
      return true;
    }
    if (saved.status().code() != StatusCode::kAborted) {
      LogWarn("run not saved", {{"run", id_}, {"error", saved.status().ToString()}});
      return true;  // the store is down: carry on, the next write retries
    }
    // Someone else wrote it: keep what they own (the cancel request), keep ours otherwise.
    auto stored = GetRunById(env_.store, id_);
    if (!stored.ok()) return true;
    if (IsFinishedRunStatus(stored->status) || stored->claimed_by != run_.claimed_by) {
      lost_ = true;
      run_ = *stored;
      return false;
    }
    run_.version = stored->version;
    if (stored->cancel_requested && !run_.cancel_requested) run_.cancel_requested = true;
  }
  return true;
}

void RunExecution::Heartbeat() {
  Update([this](Run& r) { r.heartbeat_at = env_.clock.Now(); });
}

void RunExecution::Cancel(const std::string& reason, std::string_view status) {
  std::lock_guard<std::mutex> l(mu_);
  if (cancelled_.exchange(true)) return;
  cancel_reason_ = reason;
  cancel_status_ = std::string(status);
  if (current_cancel_ != nullptr) current_cancel_->Cancel();
}

Run RunExecution::Execute() {
  auto log = RunLogWriter::Open(env_.logs_dir, id_, env_.clock);
  if (log.ok()) {
    log_ = std::move(*log);
  } else {
    LogWarn("run log not opened", {{"run", id_}, {"error", log.status().ToString()}});
  }
  Outcome outcome = RunAll();
  if (!lost_) Finish(outcome);
  if (pending_post_.joinable()) pending_post_.join();
  std::lock_guard<std::mutex> l(mu_);
  return run_;
}

RunExecution::Outcome RunExecution::RunAll() {
  auto resource = env_.store.GetResource("Pipeline", run_.pipeline);
  if (!resource.ok())
    return {std::string(kRunError), "pipeline " + run_.pipeline + ": " + resource.status().message(),
            CommitState::kError};
  auto spec = DecodePipelineSpec(run_.pipeline, resource->spec_json);
  if (!spec.ok()) return {std::string(kRunError), spec.status().message(), CommitState::kError};
  pipeline_ = *spec;
  // Posted while the checkout runs; joined before the final status, so the forge sees them in order.
  Run snapshot;
  {
    std::lock_guard<std::mutex> l(mu_);
    snapshot = run_;
  }
  pending_post_ = std::thread(
      [this, snapshot] { (void)env_.reporter.Report(pipeline_, snapshot, CommitState::kPending, "kelola: running"); });

  const std::string workspace = env_.work_dir + "/" + id_;
  std::error_code ec;
  fs::remove_all(workspace, ec);  // left by an interrupted attempt
  fs::create_directories(env_.work_dir, ec);
  Log(kCheckoutStep, kKelolaStream, "checking out " + run_.sha + " from " + run_.clone_url);
  StepCancel checkout_cancel;
  {
    std::lock_guard<std::mutex> l(mu_);
    current_cancel_ = &checkout_cancel;
    if (cancelled_) checkout_cancel.Cancel();
  }
  CheckoutRequest req;
  req.url = run_.clone_url;
  req.commit = run_.sha;
  req.workspace = workspace;
  auto checked_out = env_.checkout.Checkout(req, checkout_cancel);
  {
    std::lock_guard<std::mutex> l(mu_);
    current_cancel_ = nullptr;
  }
  Outcome outcome;
  if (cancelled()) {
    outcome = CancelledOutcome();
  } else if (!checked_out.ok()) {
    Log(kCheckoutStep, kKelolaStream, "checkout failed: " + checked_out.status().ToString());
    outcome = {std::string(kRunError), "checkout: " + checked_out.status().message(), CommitState::kError};
  } else {
    std::ifstream in(workspace + "/.kelola.yml", std::ios::binary);
    if (!in) {
      outcome = {std::string(kRunFailed), ".kelola.yml: not found in commit " + run_.sha, CommitState::kError};
    } else {
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto file = ParsePipelineFile(text, ".kelola.yml");
      if (!file.ok()) {
        outcome = {std::string(kRunFailed), file.status().message(), CommitState::kError};
      } else {
        outcome = RunSteps(*file, workspace);
        if (outcome.status == kRunSucceeded && !pipeline_.deploy_target.empty() && !cancelled() && !lost_) {
          outcome.reason = RequestDeployment();
        }
      }
    }
    if (outcome.status != kRunSucceeded) Log(kCheckoutStep, kKelolaStream, outcome.reason);
  }
  fs::remove_all(workspace, ec);
  return outcome;
}

Status RunExecution::KeepStepArtifacts(const PipelineStep& step, const std::string& workspace) {
  uint64_t used = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const RunArtifact& a : run_.artifacts) used += a.bytes;
  }
  KELOLA_ASSIGN_OR_RETURN(
      std::vector<RunArtifact> kept,
      KeepArtifacts(workspace, step.artifacts, env_.artifacts_dir + "/" + id_, used, env_.max_artifact_bytes));
  uint64_t bytes = 0;
  for (RunArtifact& a : kept) {
    a.step = step.name;
    bytes += a.bytes;
  }
  Log(step.name, kKelolaStream,
      kept.empty() ? "artifacts: no file matched"
                   : "artifacts: kept " + std::to_string(kept.size()) + " files, " + std::to_string(bytes) + " bytes");
  Update([&](Run& r) {
    for (RunArtifact& a : kept) {
      std::erase_if(r.artifacts, [&](const RunArtifact& old) { return old.path == a.path; });
      r.artifacts.push_back(std::move(a));
    }
  });
  return OkStatus();
}

RunExecution::Outcome RunExecution::CancelledOutcome() {
  std::lock_guard<std::mutex> l(mu_);
  return {cancel_status_, cancel_reason_,
          cancel_status_ == kRunCancelled ? CommitState::kCancelled : CommitState::kError};
}

RunExecution::Outcome RunExecution::RunSteps(const PipelineFile& file, const std::string& workspace) {
  Update([&file](Run& r) {
    r.steps.clear();
    for (const PipelineStep& s : file.steps) {
      RunStep step;
      step.name = s.name;
      r.steps.push_back(step);
    }
  });
  Outcome failure;
  bool stopped = false;
  for (size_t i = 0; i < file.steps.size(); ++i) {
    const PipelineStep& step = file.steps[i];
    if (stopped || cancelled() || lost_) {
      Update([i, this](Run& r) {
        r.steps[i].status = cancelled() ? "cancelled" : "skipped";
        r.steps[i].reason = cancelled() ? "the run was cancelled" : "an earlier step failed";
      });
      continue;
    }
    if (std::string why = StepSkipReason(step.when, run_); !why.empty()) {
      Update([i, &why](Run& r) {
        r.steps[i].status = "skipped";
        r.steps[i].reason = why;
      });
      Log(step.name, kKelolaStream, "skipped: " + why);
      continue;
    }
    if (!ExecuteStep(file, step, i, workspace, failure)) stopped = true;
  }
  if (cancelled()) return CancelledOutcome();
  if (stopped) return failure;
  return {std::string(kRunSucceeded), "", CommitState::kSuccess};
}

bool RunExecution::ExecuteStep(const PipelineFile& file, const PipelineStep& step, size_t index,
                               const std::string& workspace, Outcome& failure) {
  const WallTime started = env_.clock.Now();
  Update([index, started](Run& r) {
    r.steps[index].status = "running";
    r.steps[index].started_at = started;
  });
  // Secrets by reference: resolved now, masked everywhere from now on.
  std::map<std::string, std::string> secret_env;
  std::vector<std::string> step_secrets;
  Status problem;
  for (const SecretEnv& s : step.secrets) {
    auto value = env_.secrets(s.secret);
    if (!value.ok()) {
      problem = FailedPreconditionError("secret " + s.secret + ": " + value.status().message());
      break;
    }
    secret_env[s.env] = *value;
    step_secrets.push_back(*value);
  }
  if (step.type == PipelineStep::Type::kPush && !step.push.credentials.empty() && problem.ok()) {
    auto value = env_.secrets(step.push.credentials);
    if (!value.ok()) {
      problem = FailedPreconditionError("secret " + step.push.credentials + ": " + value.status().message());
    } else {
      RegistryCredentials c = ParseCredentials(*value);
      for (const std::string& v : {*value, c.password}) step_secrets.push_back(v);
    }
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& v : step_secrets) secrets_.push_back(v);
    masker_ = SecretMasker(secrets_);
  }
  StepCancel cancel;
  {
    std::lock_guard<std::mutex> l(mu_);
    current_cancel_ = &cancel;
    if (cancelled_) cancel.Cancel();
  }
  std::optional<int> exit_code;
  std::string step_status = "succeeded";
  std::string reason;
  bool infrastructure = false;  // the step could not run: the run is an error, not a failure
  if (problem.ok()) {
    switch (step.type) {
      case PipelineStep::Type::kContainer:
      case PipelineStep::Type::kHost: {
        auto outcome = RunCommands(file, step, workspace, secret_env, secrets_, cancel);
        if (!outcome.ok()) {
          problem = outcome.status();
          break;
        }
        exit_code = outcome->exit_code;
        if (!outcome->ok()) {
          step_status = outcome->cancelled ? "cancelled" : "failed";
          reason = outcome->Describe();
        }
        break;
      }
      case PipelineStep::Type::kBuild:
        problem = RunBuild(step, workspace, secrets_, cancel);
        // A failing Dockerfile instruction is the build's failure, not kelola's.
        if (problem.code() == StatusCode::kInvalidArgument) {
          step_status = "failed";
          reason = problem.message();
          problem = OkStatus();
        }
        break;
      case PipelineStep::Type::kPush: problem = RunPush(step, secrets_, cancel); break;
    }
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    current_cancel_ = nullptr;
  }
  if (!problem.ok()) {
    if (problem.code() == StatusCode::kCancelled || cancelled()) {
      step_status = "cancelled";
      reason = "cancelled";
    } else {
      step_status = "failed";
      reason = masker_.Mask(problem.message());
      infrastructure = true;
    }
  }
  if (cancelled() && step_status == "succeeded") step_status = "cancelled";
  if (step_status == "succeeded" && !step.artifacts.empty()) {
    Status kept = KeepStepArtifacts(step, workspace);
    if (!kept.ok()) {
      step_status = "failed";
      reason = kept.message();
      infrastructure = kept.code() == StatusCode::kInternal;
    }
  }
  const WallTime finished = env_.clock.Now();
  Log(step.name, kKelolaStream,
      "step " + step.name + " " + step_status + (reason.empty() ? "" : ": " + reason) + " after " +
          Seconds(finished - started));
  Update([&](Run& r) {
    r.steps[index].status = step_status;
    r.steps[index].exit_code = exit_code;
    r.steps[index].finished_at = finished;
    r.steps[index].reason = reason;
  });
  if (step_status == "succeeded") return true;
  if (step_status == "cancelled") return false;
  failure = {std::string(infrastructure ? kRunError : kRunFailed), "step " + step.name + ": " + reason,
             infrastructure ? CommitState::kError : CommitState::kFailure};
  return false;
}

Result<StepOutcome> RunExecution::RunCommands(const PipelineFile& file, const PipelineStep& step,
                                              const std::string& workspace,
                                              const std::map<std::string, std::string>& secret_env,
                                              const std::vector<std::string>& secret_values, StepCancel& cancel) {
  StepExecutor* executor = &env_.host_steps;
  if (step.type == PipelineStep::Type::kContainer) {
    KELOLA_ASSIGN_OR_RETURN(executor, env_.container_steps());
  }
  StepSpec spec;
  spec.run_id = id_;
  spec.name = step.name;
  if (step.type == PipelineStep::Type::kContainer) spec.image = step.image;
  spec.commands = step.commands;
  spec.env = file.env;
  for (const auto& [k, v] : step.env) spec.env[k] = v;
  spec.env["CI"] = "true";
  spec.env["KELOLA_RUN_ID"] = id_;
  spec.env["KELOLA_PIPELINE"] = run_.pipeline;
  spec.env["KELOLA_COMMIT"] = run_.sha;
  spec.env["KELOLA_REF"] = run_.ref;
  spec.env["KELOLA_BRANCH"] = run_.branch;
  spec.env["KELOLA_TAG"] = run_.tag;
  spec.env["KELOLA_EVENT"] = run_.event;
  for (const auto& [k, v] : secret_env) spec.env[k] = v;
  spec.secrets = secret_values;
  spec.workspace = workspace;
  if (step.timeout.has_value()) spec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*step.timeout);
  const std::string name = step.name;
  return executor->Run(
      spec, [this, &name](StepStream s, std::string_view line) { Log(name, StreamName(s), std::string(line)); },
      cancel);
}

Status RunExecution::RunBuild(const PipelineStep& step, const std::string& workspace,
                              const std::vector<std::string>& secrets, StepCancel& cancel) {
  KELOLA_ASSIGN_OR_RETURN(ImageBuilder * builder, env_.images());
  ImageBuildRequest req;
  KELOLA_ASSIGN_OR_RETURN(req.context_dir, InsideWorkspace(workspace, step.build.context, "build.context"));
  KELOLA_RETURN_IF_ERROR(InsideWorkspace(req.context_dir, step.build.dockerfile, "build.dockerfile").status());
  req.dockerfile = step.build.dockerfile;
  req.tags = step.build.tags;
  req.build_args = step.build.build_args;
  req.labels = {{"kelola.run", id_}, {"kelola.pipeline", run_.pipeline}, {"kelola.commit", run_.sha}};
  req.secrets = secrets;
  const std::string name = step.name;
  KELOLA_ASSIGN_OR_RETURN(
      BuiltImage image,
      builder->Build(
          req, [this, &name](std::string_view line) { Log(name, "stdout", std::string(line)); }, cancel));
  Log(name, kKelolaStream, "built " + image.id);
  std::lock_guard<std::mutex> l(mu_);
  for (const std::string& t : image.tags) built_tags_.push_back(t);
  return OkStatus();
}

Status RunExecution::RunPush(const PipelineStep& step, const std::vector<std::string>& secrets, StepCancel& cancel) {
  KELOLA_ASSIGN_OR_RETURN(ImageBuilder * builder, env_.images());
  RegistryCredentials credentials;
  if (!step.push.credentials.empty()) {
    KELOLA_ASSIGN_OR_RETURN(std::string value, env_.secrets(step.push.credentials));
    credentials = ParseCredentials(value);
    if (credentials.server_address.empty()) credentials.server_address = step.push.registry;
  }
  const std::string repository =
      step.push.registry.empty() ? step.push.repository : step.push.registry + "/" + step.push.repository;
  std::vector<std::string> tags = step.push.tags;
  if (tags.empty()) {
    std::lock_guard<std::mutex> l(mu_);
    for (const std::string& built : built_tags_) {
      auto [repo, tag] = SplitTag(built);
      if (repo == repository) tags.push_back(tag);
    }
  }
  if (tags.empty()) {
    return FailedPreconditionError("push: no tag of " + repository +
                                   " was built by an earlier step; name the tags to push in push.tags");
  }
  const std::string name = step.name;
  for (const std::string& tag : tags) {
    KELOLA_ASSIGN_OR_RETURN(
        PushedImage pushed,
        builder->Push(
            repository, tag, credentials, secrets,
            [this, &name](std::string_view line) { Log(name, "stdout", std::string(line)); }, cancel));
    Log(name, kKelolaStream, "pushed " + pushed.repository + ":" + pushed.tag + " as " + pushed.digest);
    RunImage image{pushed.repository + ":" + pushed.tag, pushed.digest, pushed.PinnedReference()};
    Update([&image](Run& r) { r.images.push_back(image); });
  }
  return OkStatus();
}

std::string RunExecution::RequestDeployment() {
  Run snapshot;
  {
    std::lock_guard<std::mutex> l(mu_);
    snapshot = run_;
  }
  auto release = DeployRunImage(env_.store, pipeline_, snapshot);
  if (!release.ok()) {
    Log(kDeployStep, kKelolaStream, "not deployed to " + pipeline_.deploy_target + ": " + release.status().message());
    return "not deployed: " + release.status().message();
  }
  Log(kDeployStep, kKelolaStream,
      "release " + release->spec.name + " of " + release->spec.image + " requested on target " +
          pipeline_.deploy_target + " (follow it: kelola releases " + pipeline_.deploy_target + ")");
  return "deploying as release " + release->spec.name;
}

void RunExecution::Finish(const Outcome& outcome) {
  const WallTime now = env_.clock.Now();
  Update([&](Run& r) {
    r.status = outcome.status;
    r.reason = outcome.reason;
    r.finished_at = now;
    for (RunStep& s : r.steps) {
      if (s.status == "pending" || s.status == "running") {
        s.status = outcome.status == kRunCancelled ? "cancelled" : "skipped";
      }
    }
  });
  Log("", kKelolaStream,
      "run " + outcome.status + (outcome.reason.empty() ? "" : ": " + outcome.reason) +
          (run_.started_at ? " after " + Seconds(now - *run_.started_at) : ""));
  if (pending_post_.joinable()) pending_post_.join();
  if (!pipeline_.name.empty()) {
    std::string description =
        outcome.status == kRunSucceeded ? "kelola: succeeded" : "kelola: " + outcome.status + ": " + outcome.reason;
    Run snapshot;
    {
      std::lock_guard<std::mutex> l(mu_);
      snapshot = run_;
    }
    (void)env_.reporter.Report(pipeline_, snapshot, outcome.commit, masker_.Mask(description));
  }
  // Written line by line as it ran (a crash of the server loses nothing); on disk now.
  if (log_) log_->Sync();
}

}  // namespace kelola
