#include "runworker/run_worker.h"

#include "base/logging.h"
#include "pipeline/run_queue.h"

namespace kelola {

Status RunWorker::Start() {
  if (options_.replica.empty()) return InvalidArgumentError("run worker: replica name required");
  RecoverRuns(/*own_only=*/true);
  subscription_ = env_.store.Subscribe([this](const Event& e) {
    if (e.type != "run.created" && e.type != "run.updated") return;
    std::lock_guard<std::mutex> l(mu_);
    wake_ = true;
    cv_.notify_all();
  });
  loop_ = std::thread([this] { Loop(); });
  LogInfo("run worker started",
          {{"replica", options_.replica}, {"max_concurrent", std::to_string(options_.max_concurrent)}});
  return OkStatus();
}

void RunWorker::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ && !loop_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
  }
  subscription_.reset();
  if (loop_.joinable()) loop_.join();
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [id, a] : active_) a.execution->Cancel("interrupted", kRunFailed);
  }
  Reap(/*all=*/true);
}

int RunWorker::active() const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int>(active_.size());
}

void RunWorker::Loop() {
  while (true) {
    Pass();
    std::unique_lock<std::mutex> l(mu_);
    if (stopping_) return;
    cv_.wait_for(l, options_.poll, [this] { return stopping_ || wake_; });
    wake_ = false;
    if (stopping_) return;
  }
}

void RunWorker::Pass() {
  Reap(/*all=*/false);
  Watch();
  Claim();
  if (options_.stale_after > Duration::zero()) RecoverRuns(/*own_only=*/false);
}

void RunWorker::Claim() {
  int slots;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    slots = options_.max_concurrent - static_cast<int>(active_.size());
  }
  if (slots <= 0) return;
  RunFilter filter;
  filter.status = std::string(kRunQueued);
  filter.oldest_first = true;
  filter.limit = slots + 10;
  auto queued = env_.store.ListRuns(filter);
  if (!queued.ok()) {
    // Once per distinct error, not every poll while the store is down.
    if (queued.status().ToString() != last_error_) {
      last_error_ = queued.status().ToString();
      LogWarn("run worker: listing queued runs failed", {{"error", last_error_}});
    }
    return;
  }
  if (!last_error_.empty()) {
    LogInfo("run worker: store reachable again");
    last_error_.clear();
  }
  for (const RunRecord& rec : *queued) {
    if (slots <= 0) break;
    auto run = RunFromRecord(rec);
    if (!run.ok() || run->status != kRunQueued) continue;
    const WallTime now = env_.clock.Now();
    run->status = std::string(kRunRunning);
    run->claimed_by = options_.replica;
    run->started_at = now;
    run->heartbeat_at = now;
    auto claimed = env_.store.UpdateRun(RunToRecord(*run), run->version);
    if (!claimed.ok()) continue;  // another replica got it, or it was cancelled meanwhile
    run->version = claimed->version;
    run->updated_at = claimed->updated_at;
    LogInfo("run claimed", {{"run", run->id}, {"pipeline", run->pipeline}, {"sha", run->sha}});
    std::lock_guard<std::mutex> l(mu_);
    Active& a = active_[run->id];
    a.execution = std::make_unique<RunExecution>(env_, *run);
    RunExecution* exec = a.execution.get();
    auto done = a.done;
    a.thread = std::thread([this, exec, done] {
      Run final = exec->Execute();
      LogInfo("run finished", {{"run", final.id}, {"status", final.status}, {"reason", final.reason}});
      done->store(true);
      std::lock_guard<std::mutex> l(mu_);
      wake_ = true;
      cv_.notify_all();
    });
    --slots;
  }
}

void RunWorker::Watch() {
  std::vector<RunExecution*> running;
  bool beat = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [id, a] : active_) {
      if (!a.done->load()) running.push_back(a.execution.get());
    }
    const MonoTime now = env_.clock.Monotonic();
    if (now - last_heartbeat_ >= options_.heartbeat) {
      last_heartbeat_ = now;
      beat = true;
    }
  }
  // The executions stay alive until Reap, which only this thread calls.
  for (RunExecution* exec : running) {
    auto stored = GetRunById(env_.store, exec->id());
    if (stored.ok() && stored->cancel_requested) {
      exec->Cancel(stored->reason.empty() ? "cancelled" : stored->reason);
    } else if (beat) {
      exec->Heartbeat();
    }
  }
}

void RunWorker::Reap(bool all) {
  std::vector<Active> finished;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = active_.begin(); it != active_.end();) {
      if (all || it->second.done->load()) {
        finished.push_back(std::move(it->second));
        it = active_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Joined before the executions they use are destroyed.
  for (Active& a : finished) {
    if (a.thread.joinable()) a.thread.join();
  }
}

bool RunWorker::Interrupt(Run run, const std::string& why) {
  run.status = std::string(kRunFailed);
  run.reason = "interrupted";
  run.finished_at = env_.clock.Now();
  for (RunStep& s : run.steps) {
    if (s.status == "running") {
      s.status = "failed";
      s.reason = "interrupted";
    } else if (s.status == "pending") {
      s.status = "skipped";
    }
  }
  auto saved = env_.store.UpdateRun(RunToRecord(run), run.version);
  if (!saved.ok()) return false;
  LogWarn("run interrupted", {{"run", run.id}, {"claimed_by", run.claimed_by}, {"why", why}});
  if (auto log = RunLogWriter::Open(env_.logs_dir, run.id, env_.clock); log.ok()) {
    (*log)->Append("", "kelola", "run failed: interrupted (" + why + ")");
  }
  auto resource = env_.store.GetResource("Pipeline", run.pipeline);
  if (resource.ok()) {
    auto spec = DecodePipelineSpec(run.pipeline, resource->spec_json);
    if (spec.ok()) (void)env_.reporter.Report(*spec, run, CommitState::kError, "kelola: interrupted");
  }
  return true;
}

void RunWorker::RecoverRuns(bool own_only) {
  RunFilter filter;
  filter.status = std::string(kRunRunning);
  filter.oldest_first = true;
  filter.limit = 1000;
  auto running = env_.store.ListRuns(filter);
  if (!running.ok()) return;
  const WallTime now = env_.clock.Now();
  for (const RunRecord& rec : *running) {
    auto run = RunFromRecord(rec);
    if (!run.ok()) continue;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (active_.count(run->id) != 0) continue;  // ours, alive
    }
    if (run->claimed_by == options_.replica) {
      // Ours but not running here: this server died while it ran.
      Interrupt(*run, "the server running it restarted");
    } else if (!own_only && options_.stale_after > Duration::zero()) {
      WallTime seen = run->heartbeat_at.value_or(run->updated_at);
      if (now - seen > options_.stale_after) Interrupt(*run, "no heartbeat from " + run->claimed_by);
    }
  }
}

}  // namespace kelola
