#include "engine/controller_manager.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "base/logging.h"
#include "engine/fenced_store.h"
#include "engine/leader_elector.h"
#include "engine/work_queue.h"

namespace kelola {
namespace {

// Listing page size for resyncs: bounds memory per Store call.
constexpr int kListPageSize = 500;
// More workers than this on a 2-core control plane only adds contention.
constexpr int kMaxWorkers = 64;

struct Controller {
  Controller(ControllerOptions opts, Clock& clock) : options(std::move(opts)), queue(clock, options.backoff) {}

  bool Watches(const std::string& kind) const {
    return std::find(options.kinds.begin(), options.kinds.end(), kind) != options.kinds.end();
  }

  ControllerOptions options;
  WorkQueue queue;
  // With leader election: the lease campaign, the store the reconciler
  // writes through, and whether this replica leads the controller now.
  std::unique_ptr<LeaderElector> elector;
  std::unique_ptr<FencedStore> fenced_store;
  std::atomic<bool> leading{true};
  std::vector<std::thread> workers;
  std::atomic<int64_t> reconciles{0};
  std::atomic<int64_t> failures{0};
  std::atomic<int64_t> resyncs{0};
  MonoTime next_resync{};  // guarded by Impl::mu_
};

// Reconcilers should return Status, but one that throws must not take a
// worker thread (and the process) down with it.
Result<ReconcileResult> CallReconciler(Reconciler& reconciler, const std::string& key) {
  try {
    return reconciler.Reconcile(key);
  } catch (const std::exception& e) {
    return InternalError(std::string("reconciler threw: ") + e.what());
  } catch (...) {
    return InternalError("reconciler threw a non-standard exception");
  }
}

}  // namespace

std::string ControllerLeaseName(const std::string& controller) { return "controller/" + controller; }

class ControllerManager::Impl {
 public:
  Impl(Store& store, Clock& clock) : store_(store), clock_(clock) {}

  Status EnableLeaderElection(LeaderElectionConfig config) {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    std::lock_guard<std::mutex> l(mu_);
    if (state_ != State::kRegistering || !controllers_.empty()) {
      return FailedPreconditionError("leader election must be enabled before any controller is registered");
    }
    LeaderElectionOptions probe{"controller/probe", config.holder, config.lease_duration, config.renew_deadline,
                                config.retry_period};
    KELOLA_RETURN_IF_ERROR(ValidateLeaderElectionOptions(probe));
    election_ = std::move(config);
    return OkStatus();
  }

  Status Register(ControllerOptions options) {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    std::lock_guard<std::mutex> l(mu_);
    if (state_ != State::kRegistering) {
      return FailedPreconditionError("controller \"" + options.name + "\" registered after the manager started");
    }
    KELOLA_RETURN_IF_ERROR(Validate(options));
    auto controller = std::make_unique<Controller>(std::move(options), clock_);
    Controller* c = controller.get();
    Store* reconciler_store = &store_;
    if (election_.has_value()) {
      c->leading = false;
      LeaderElectionOptions election{ControllerLeaseName(c->options.name), election_->holder, election_->lease_duration,
                                     election_->renew_deadline, election_->retry_period};
      c->elector = std::make_unique<LeaderElector>(
          store_, clock_, std::move(election),
          LeaderCallbacks{[this, c](const Lease&) { OnStartedLeading(*c); }, [c] { OnStoppedLeading(*c); }});
      c->fenced_store = std::make_unique<FencedStore>(
          store_, [c] { return c->elector->Fence(); }, "controller \"" + c->options.name + "\"");
      reconciler_store = c->fenced_store.get();
    }
    if (c->options.make_reconciler) {
      c->options.reconciler = c->options.make_reconciler(*reconciler_store);
      if (!c->options.reconciler) {
        return InvalidArgumentError("controller \"" + c->options.name + "\": make_reconciler returned null");
      }
    }
    controllers_.push_back(std::move(controller));
    return OkStatus();
  }

  Status Start(Execution execution) {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (state_ != State::kRegistering) {
        return FailedPreconditionError("controller manager already started or stopped");
      }
    }
    // Subscribe before listing: a change made while we list is then seen
    // twice at worst, never lost.
    subscription_ = store_.Subscribe([this](const Event& event) { OnEvent(event); });
    for (auto& controller : controllers_) {
      if (controller->elector != nullptr) continue;  // it lists once it leads
      Status listed = EnqueueAll(*controller);
      if (!listed.ok()) {
        subscription_.reset();
        return listed.WithContext("starting controller \"" + controller->options.name + "\"");
      }
    }
    std::lock_guard<std::mutex> l(mu_);
    execution_ = execution;
    MonoTime now = clock_.Monotonic();
    for (auto& controller : controllers_) {
      controller->next_resync = now + std::chrono::duration_cast<MonoTime::duration>(controller->options.resync_period);
    }
    state_ = State::kRunning;
    if (execution == Execution::kWorkerThreads) {
      for (auto& controller : controllers_) {
        for (int i = 0; i < controller->options.workers; ++i) {
          controller->workers.emplace_back([this, c = controller.get()] { WorkerLoop(*c); });
        }
      }
      resync_thread_ = std::thread([this] { ResyncLoop(); });
      for (auto& controller : controllers_) {
        if (controller->elector == nullptr) continue;
        Status started = controller->elector->Start();
        if (!started.ok()) LogError("leader election did not start", {{"error", started.ToString()}});
      }
    }
    LogInfo("controller manager started", {{"controllers", controllers_.size()}});
    return OkStatus();
  }

  size_t RunPending() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (state_ != State::kRunning || execution_ != Execution::kCallerDriven) return 0;
    }
    for (auto& controller : controllers_) {
      if (controller->elector != nullptr) controller->elector->Tick();
    }
    ResyncDue();
    size_t processed = 0;
    for (auto& controller : controllers_) {
      // Only keys ready now: a reconciler that requeues itself at once must
      // not turn this call into an endless loop.
      size_t ready = controller->queue.Len();
      for (size_t i = 0; i < ready; ++i) {
        auto key = controller->queue.TryGet();
        if (!key) break;
        Process(*controller, *key);
        ++processed;
      }
    }
    return processed;
  }

  Status Enqueue(const std::string& name, const std::string& key) {
    Controller* controller = Find(name);
    if (controller == nullptr) return NotFoundError("no controller named \"" + name + "\"");
    controller->queue.Add(key);
    return OkStatus();
  }

  Result<ControllerStats> Stats(const std::string& name) const {
    Controller* controller = Find(name);
    if (controller == nullptr) return NotFoundError("no controller named \"" + name + "\"");
    ControllerStats stats;
    stats.reconciles = controller->reconciles.load();
    stats.failures = controller->failures.load();
    stats.resyncs = controller->resyncs.load();
    stats.queued = controller->queue.Len();
    stats.delayed = controller->queue.NumDelayed();
    stats.leading = controller->leading.load();
    return stats;
  }

  void Stop() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (state_ == State::kStopped) return;
      state_ = State::kStopped;
      cv_.notify_all();
    }
    // No more watch events may touch the queues once they shut down.
    subscription_.reset();
    if (resync_thread_.joinable()) resync_thread_.join();
    for (auto& controller : controllers_) controller->queue.ShutDown();
    for (auto& controller : controllers_) {
      for (auto& worker : controller->workers) worker.join();
      controller->workers.clear();
    }
    // Only now, with no reconcile left running, hand the leases over.
    for (auto& controller : controllers_) {
      if (controller->elector != nullptr) controller->elector->Stop();
    }
  }

 private:
  enum class State { kRegistering, kRunning, kStopped };

  Status Validate(const ControllerOptions& options) const {
    if (options.name.empty()) return InvalidArgumentError("controller name is empty");
    const std::string where = "controller \"" + options.name + "\": ";
    if (Find(options.name) != nullptr) {
      return InvalidArgumentError(where + "a controller with this name is already registered");
    }
    if (options.kinds.empty()) return InvalidArgumentError(where + "no kinds to watch");
    for (const auto& kind : options.kinds) {
      if (kind.empty() || kind.find('/') != std::string::npos) {
        return InvalidArgumentError(where + "invalid kind \"" + kind + "\"");
      }
    }
    if (!options.reconciler && !options.make_reconciler) {
      return InvalidArgumentError(where + "reconciler is null (set reconciler or make_reconciler)");
    }
    if (options.reconciler && options.make_reconciler) {
      return InvalidArgumentError(where + "set only one of reconciler and make_reconciler");
    }
    if (options.workers < 1 || options.workers > kMaxWorkers) {
      return InvalidArgumentError(where + "workers must be between 1 and " + std::to_string(kMaxWorkers) + ", got " +
                                  std::to_string(options.workers));
    }
    if (options.resync_period < Duration::zero()) {
      return InvalidArgumentError(where + "resync_period is negative");
    }
    return OkStatus();
  }

  // Controllers are only added before Start(), which happens-before any
  // concurrent reader, so the vector itself needs no lock afterwards.
  Controller* Find(const std::string& name) const {
    for (const auto& controller : controllers_) {
      if (controller->options.name == name) return controller.get();
    }
    return nullptr;
  }

  // Runs on the Store writer's thread: only enqueues.
  void OnEvent(const Event& event) {
    if (event.type.rfind("resource.", 0) != 0) return;
    auto parts = ParseResourceKey(event.subject);
    if (!parts.ok()) return;
    for (auto& controller : controllers_) {
      if (controller->leading.load() && controller->Watches(parts->kind)) controller->queue.Add(event.subject);
    }
  }

  // On the elector's thread (or RunPending's). Lists everything: while not
  // leading, this replica dropped every change.
  void OnStartedLeading(Controller& controller) {
    controller.leading.store(true);
    Status listed = EnqueueAll(controller);
    if (!listed.ok()) {
      LogWarn("new leader could not list its resources; the next resync will",
              {{"controller", controller.options.name}, {"error", listed.ToString()}});
    }
  }

  static void OnStoppedLeading(Controller& controller) { controller.leading.store(false); }

  Status EnqueueAll(Controller& controller) {
    for (const auto& kind : controller.options.kinds) {
      ListOptions options;
      options.kind = kind;
      options.limit = kListPageSize;
      while (true) {
        auto page = store_.ListResources(options);
        if (!page.ok()) return page.status().WithContext("listing " + kind);
        for (const auto& item : page->items) controller.queue.Add(ResourceKey(kind, item.name));
        if (page->next_after.empty()) break;
        options.after_name = page->next_after;
      }
    }
    controller.resyncs.fetch_add(1);
    return OkStatus();
  }

  // Claims the controllers whose resync is due (advancing their next time)
  // and returns them; the listing itself happens without the lock.
  std::vector<Controller*> ClaimDueResyncsLocked() {
    std::vector<Controller*> due;
    MonoTime now = clock_.Monotonic();
    for (auto& controller : controllers_) {
      auto period = controller->options.resync_period;
      if (period <= Duration::zero() || controller->next_resync > now) continue;
      controller->next_resync = now + std::chrono::duration_cast<MonoTime::duration>(period);
      if (controller->leading.load()) due.push_back(controller.get());
    }
    return due;
  }

  void Resync(const std::vector<Controller*>& due) {
    for (Controller* controller : due) {
      Status status = EnqueueAll(*controller);
      if (!status.ok()) {
        LogWarn(
            "controller resync failed; retrying next period",
            {{"controller", controller->options.name},
             {"period_s", std::chrono::duration_cast<std::chrono::seconds>(controller->options.resync_period).count()},
             {"error", status.ToString()}});
      }
    }
  }

  void ResyncDue() {
    std::vector<Controller*> due;
    {
      std::lock_guard<std::mutex> l(mu_);
      due = ClaimDueResyncsLocked();
    }
    Resync(due);
  }

  void ResyncLoop() {
    std::unique_lock<std::mutex> l(mu_);
    while (state_ == State::kRunning) {
      std::vector<Controller*> due = ClaimDueResyncsLocked();
      if (!due.empty()) {
        l.unlock();
        Resync(due);
        l.lock();
        continue;
      }
      std::optional<MonoTime> next;
      for (auto& controller : controllers_) {
        if (controller->options.resync_period <= Duration::zero()) continue;
        if (!next || controller->next_resync < *next) next = controller->next_resync;
      }
      if (next) {
        clock_.WaitUntil(l, cv_, *next);
      } else {
        cv_.wait(l);
      }
    }
  }

  void WorkerLoop(Controller& controller) {
    while (auto key = controller.queue.Get()) Process(controller, *key);
  }

  void Process(Controller& controller, const std::string& key) {
    if (!controller.leading.load()) {
      // Another replica leads this controller: the key is its business.
      controller.queue.Forget(key);
      controller.queue.Done(key);
      return;
    }
    Result<ReconcileResult> result = CallReconciler(*controller.options.reconciler, key);
    controller.reconciles.fetch_add(1);
    if (!result.ok()) {
      controller.failures.fetch_add(1);
      controller.queue.AddRateLimited(key);
      const Status& status = result.status();
      // Every failure is retried; a non-retryable code only means a person
      // probably has to fix something, so it is logged louder.
      Log(status.IsRetryable() ? LogLevel::kWarn : LogLevel::kError, "reconcile failed; retrying with backoff",
          {{"controller", controller.options.name},
           {"key", key},
           {"failures", controller.queue.NumRequeues(key)},
           {"error", status.ToString()}});
    } else {
      controller.queue.Forget(key);
      if (result->requeue_after) controller.queue.AddAfter(key, *result->requeue_after);
    }
    controller.queue.Done(key);
  }

  Store& store_;
  Clock& clock_;
  std::mutex lifecycle_mu_;  // serializes Register(), Start() and Stop()
  mutable std::mutex mu_;    // state_, execution_, next_resync; cv_ wakes the resync thread
  std::condition_variable cv_;
  State state_ = State::kRegistering;
  Execution execution_ = Execution::kWorkerThreads;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::optional<LeaderElectionConfig> election_;  // set before Register(); read-only afterwards
  std::unique_ptr<Store::Subscription> subscription_;
  std::thread resync_thread_;
};

ControllerManager::ControllerManager(Store& store, Clock& clock) : impl_(std::make_unique<Impl>(store, clock)) {}

ControllerManager::~ControllerManager() { impl_->Stop(); }

Status ControllerManager::EnableLeaderElection(LeaderElectionConfig config) {
  return impl_->EnableLeaderElection(std::move(config));
}

Status ControllerManager::Register(ControllerOptions options) { return impl_->Register(std::move(options)); }

Status ControllerManager::Start(Execution execution) { return impl_->Start(execution); }

size_t ControllerManager::RunPending() { return impl_->RunPending(); }

Status ControllerManager::Enqueue(const std::string& controller, const std::string& key) {
  return impl_->Enqueue(controller, key);
}

Result<ControllerStats> ControllerManager::Stats(const std::string& controller) const {
  return impl_->Stats(controller);
}

void ControllerManager::Stop() { impl_->Stop(); }

}  // namespace kelola
