#include "alerting/alerting_service.h"

#include "base/logging.h"

namespace kelola {
namespace {

LeaderElectionOptions ElectionOptions(LeaderElectionOptions o) {
  if (o.lease.empty()) o.lease = kAlertingLease;
  if (o.holder.empty()) o.holder = "alerting";
  return o;
}

}  // namespace

AlertingService::AlertingService(Store& store, Clock& clock, RoutingConfig config,
                                 std::map<std::string, Notifier*> receivers, AlertingServiceOptions options)
    : store_(store),
      clock_(clock),
      config_(std::move(config)),
      receivers_(std::move(receivers)),
      options_(std::move(options)),
      elector_(store, clock, ElectionOptions(options_.election),
               LeaderCallbacks{[this](const Lease&) { reload_.store(true); }, nullptr}),
      fenced_(
          store, [this] { return elector_.Fence(); }, "alerting") {}

AlertingService::~AlertingService() { Stop(); }

Status AlertingService::Start(bool background) {
  KELOLA_RETURN_IF_ERROR(ValidateLeaderElectionOptions(ElectionOptions(options_.election)));
  if (!background) return OkStatus();
  KELOLA_RETURN_IF_ERROR(elector_.Start());
  std::lock_guard lock(mu_);
  background_ = true;
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void AlertingService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  elector_.Stop();
}

void AlertingService::Report(AlertSignal signal) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queued_signals) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(signal));
  }
  cv_.notify_all();
}

uint64_t AlertingService::dropped_signals() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

MonoTime AlertingService::Step() {
  std::lock_guard step(step_mu_);
  MonoTime now = clock_.Monotonic();
  MonoTime next = now + options_.max_wait;
  if (!background_) next = std::min(next, elector_.Tick());
  std::deque<AlertSignal> signals;
  {
    std::lock_guard lock(mu_);
    signals.swap(queue_);
  }
  // Leadership (re)gained: another replica may have acted meanwhile.
  if (reload_.exchange(false)) manager_.reset();
  if (!elector_.IsLeading()) {
    manager_.reset();  // a later leadership starts again from the store
    return next;
  }
  if (!manager_) {
    auto manager = std::make_unique<AlertManager>(config_, fenced_, clock_, options_.manager);
    Status loaded = manager->Load();
    if (!loaded.ok()) {
      LogWarn("alerting: could not load state from the store; retrying", {{"error", loaded.ToString()}});
      return next;
    }
    manager_ = std::move(manager);
    LogInfo("alerting: leading; state loaded", {{"alerts", std::to_string(manager_->Alerts().size())}});
  }
  for (const AlertSignal& s : signals) {
    Status reported = manager_->Report(s);
    if (!reported.ok()) LogWarn("alerting: signal not applied", {{"error", reported.ToString()}});
  }
  Status processed = manager_->Process(receivers_);
  if (!processed.ok()) LogWarn("alerting: processing failed in part", {{"error", processed.ToString()}});
  if (auto wake = manager_->NextWakeup()) {
    Duration until = *wake - clock_.Now();
    if (until < options_.max_wait) next = now + std::max(until, Duration::zero());
  }
  return next;
}

void AlertingService::Loop() {
  while (true) {
    MonoTime next = Step();
    std::unique_lock lock(mu_);
    if (stopping_) return;
    if (queue_.empty()) clock_.WaitUntil(lock, cv_, next);
    if (stopping_) return;
  }
}

}  // namespace kelola
