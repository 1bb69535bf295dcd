#include "engine/leader_elector.h"

#include "base/logging.h"

namespace kelola {
namespace {

int64_t Millis(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

Status ValidateLeaderElectionOptions(const LeaderElectionOptions& o) {
  if (o.lease.empty()) return InvalidArgumentError("leader election: lease name is empty");
  if (o.holder.empty()) return InvalidArgumentError("leader election: holder identity is empty");
  if (o.retry_period <= Duration::zero() || o.retry_period >= o.renew_deadline ||
      o.renew_deadline >= o.lease_duration) {
    return InvalidArgumentError(
        "leader election for " + o.lease + ": need 0 < retry_period < renew_deadline < lease_duration, got " +
        std::to_string(Millis(o.retry_period)) + " ms, " + std::to_string(Millis(o.renew_deadline)) + " ms, " +
        std::to_string(Millis(o.lease_duration)) + " ms");
  }
  return OkStatus();
}

LeaderElector::LeaderElector(Store& store, Clock& clock, LeaderElectionOptions options, LeaderCallbacks callbacks)
    : store_(store), clock_(clock), options_(std::move(options)), callbacks_(std::move(callbacks)) {}

LeaderElector::~LeaderElector() { Stop(); }

Status LeaderElector::Start() {
  KELOLA_RETURN_IF_ERROR(ValidateLeaderElectionOptions(options_));
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopping_)
    return FailedPreconditionError("leader elector for " + options_.lease + " already started");
  started_ = true;
  thread_ = std::thread([this] {
    while (true) {
      const MonoTime next = Tick();
      std::unique_lock<std::mutex> l(mu_);
      while (!stopping_ && clock_.Monotonic() < next) clock_.WaitUntil(l, cv_, next);
      if (stopping_) return;
    }
  });
  return OkStatus();
}

MonoTime LeaderElector::Tick() {
  std::lock_guard<std::mutex> one_tick(tick_mu_);
  std::unique_lock<std::mutex> lock(mu_);
  const MonoTime now = clock_.Monotonic();
  if (stopping_) return now + options_.retry_period;
  if (lease_.has_value() && now - last_renewal_start_ >= options_.renew_deadline) {
    StopLeadingLocked(lock, "no successful renewal within the renew deadline");
  }
  if (now >= next_attempt_) {
    next_attempt_ = now + options_.retry_period;
    if (!lease_.has_value()) {
      lock.unlock();
      auto acquired = store_.TryAcquireLease(options_.lease, options_.holder, options_.lease_duration);
      lock.lock();
      if (acquired.ok() && stopping_) {
        lock.unlock();
        (void)store_.ReleaseLease(options_.lease, options_.holder, acquired->token);
        lock.lock();
      } else if (acquired.ok()) {
        lease_ = *acquired;
        last_renewal_start_ = now;
        LogInfo("became leader", {{"lease", options_.lease}, {"holder", options_.holder}, {"token", acquired->token}});
        if (callbacks_.on_started_leading) {
          lock.unlock();
          callbacks_.on_started_leading(*acquired);
          lock.lock();
        }
      } else if (acquired.status().code() != StatusCode::kAborted) {
        // Aborted is the normal "someone else leads"; anything else is worth a line.
        LogWarn("cannot campaign for lease", {{"lease", options_.lease}, {"error", acquired.status().ToString()}});
      }
    } else {
      const int64_t token = lease_->token;
      lock.unlock();
      auto renewed = store_.RenewLease(options_.lease, options_.holder, token, options_.lease_duration);
      lock.lock();
      if (lease_.has_value() && lease_->token == token) {
        const StatusCode code = renewed.status().code();
        if (renewed.ok()) {
          lease_ = *renewed;
          last_renewal_start_ = now;
        } else if (code == StatusCode::kFailedPrecondition || code == StatusCode::kNotFound) {
          StopLeadingLocked(lock, "the lease was taken over or released: " + renewed.status().message());
        } else {
          LogWarn("lease renewal failed; still leading until the renew deadline",
                  {{"lease", options_.lease},
                   {"deadline_ms", Millis(last_renewal_start_ + options_.renew_deadline - clock_.Monotonic())},
                   {"error", renewed.status().ToString()}});
          if (clock_.Monotonic() - last_renewal_start_ >= options_.renew_deadline) {
            StopLeadingLocked(lock, "no successful renewal within the renew deadline");
          }
        }
      }
    }
  }
  MonoTime next = next_attempt_;
  if (lease_.has_value()) next = std::min(next, last_renewal_start_ + options_.renew_deadline);
  return next;
}

void LeaderElector::StopLeadingLocked(std::unique_lock<std::mutex>& lock, const std::string& why) {
  if (!lease_.has_value()) return;
  LogWarn("stopped leading",
          {{"lease", options_.lease}, {"holder", options_.holder}, {"token", lease_->token}, {"reason", why}});
  lease_.reset();
  if (callbacks_.on_stopped_leading) {
    lock.unlock();
    callbacks_.on_stopped_leading();
    lock.lock();
  }
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> one_tick(tick_mu_);
  std::unique_lock<std::mutex> lock(mu_);
  if (!lease_.has_value()) return;
  const int64_t token = lease_->token;
  StopLeadingLocked(lock, "shutting down");
  lock.unlock();
  // Handing over now saves the other replicas a whole lease duration.
  Status released = store_.ReleaseLease(options_.lease, options_.holder, token);
  if (!released.ok()) {
    LogWarn("could not release lease; it will expire", {{"lease", options_.lease}, {"error", released.ToString()}});
  }
}

bool LeaderElector::IsLeading() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lease_.has_value();
}

std::optional<LeaseFence> LeaderElector::Fence() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!lease_.has_value()) return std::nullopt;
  return LeaseFence{options_.lease, lease_->token};
}

}  // namespace kelola
