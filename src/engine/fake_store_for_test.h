// FakeStore: an in-memory Store for unit tests of code above the Store
// (controllers, the engine), header-only so those tests need no database.
//
// It follows the Store contract in store/store.h closely: resource versions
// are store-wide, writes append "resource.created|updated|deleted" events
// with subject "Kind/name", expected_resource_version preconditions return
// Aborted, leases and fenced writes follow the shared rules of
// store/lease_rules.h, and Subscribe() callbacks run on the writer's thread
// after the write. Tests can make listings fail (FailListsWith) to exercise error
// paths. The real SqliteStore is tested by the store's conformance suite.
//
// Thread-safety: all methods may be called concurrently. Subscriber
// callbacks must not Subscribe() or destroy a Subscription themselves.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/lease_rules.h"
#include "store/store.h"

namespace kelola {

class FakeStore final : public Store {
 public:
  explicit FakeStore(Clock& clock) : clock_(clock) {}

  using Store::DeleteResource;

  // The next `count` ListResources calls fail with `status`.
  void FailListsWith(Status status, int count) {
    std::lock_guard<std::mutex> l(mu_);
    list_failure_ = std::move(status);
    list_failures_left_ = count;
  }
  int64_t list_calls() const {
    std::lock_guard<std::mutex> l(mu_);
    return list_calls_;
  }
  size_t subscriber_count() const {
    std::lock_guard<std::mutex> l(subscribers_mu_);
    return subscribers_.size();
  }

  Result<Resource> GetResource(const std::string& kind, const std::string& name) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = resources_.find({kind, name});
    if (it == resources_.end()) return NotFoundError(kind + "/" + name + " not found");
    return it->second;
  }

  Result<ListResult> ListResources(const ListOptions& options) override {
    std::lock_guard<std::mutex> l(mu_);
    ++list_calls_;
    if (list_failures_left_ > 0) {
      --list_failures_left_;
      return list_failure_;
    }
    ListResult result;
    for (const auto& [id, resource] : resources_) {
      if (!options.kind.empty() && id.first != options.kind) continue;
      if (!options.after_name.empty() && id.second <= options.after_name) continue;
      if (!Matches(resource.labels, options.selector)) continue;
      if (options.limit > 0 && static_cast<int>(result.items.size()) == options.limit) {
        result.next_after = result.items.back().name;
        break;
      }
      result.items.push_back(resource);
    }
    // Names sort within a kind because the map key is (kind, name); with no
    // kind filter the contract still wants name order.
    std::stable_sort(result.items.begin(), result.items.end(),
                     [](const Resource& a, const Resource& b) { return a.name < b.name; });
    return result;
  }

  Result<Resource> PutResource(const Resource& resource, const PutOptions& options) override {
    if (resource.kind.empty() || resource.name.empty()) {
      return InvalidArgumentError("resource kind and name must not be empty");
    }
    Event event;
    Resource stored;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (options.fence) KELOLA_RETURN_IF_ERROR(CheckFenceLocked(*options.fence));
      auto it = resources_.find({resource.kind, resource.name});
      const bool exists = it != resources_.end();
      if (options.expected_resource_version) {
        int64_t current = exists ? it->second.resource_version : 0;
        if (current != *options.expected_resource_version) {
          return AbortedError(resource.kind + "/" + resource.name + ": resourceVersion is " + std::to_string(current) +
                              ", expected " + std::to_string(*options.expected_resource_version));
        }
      }
      if (!exists && options.status_only) {
        return NotFoundError(resource.kind + "/" + resource.name + " not found");
      }
      WallTime now = clock_.Now();
      if (exists) {
        stored = it->second;
        if (!options.status_only) {
          if (stored.spec_json != resource.spec_json) ++stored.generation;
          stored.spec_json = resource.spec_json;
          stored.labels = resource.labels;
        }
        stored.status_json = resource.status_json;
      } else {
        stored = resource;
        stored.generation = 1;
        stored.created_at = now;
      }
      stored.updated_at = now;
      stored.resource_version = ++last_version_;
      resources_[{resource.kind, resource.name}] = stored;
      event = AppendLocked(exists ? "resource.updated" : "resource.created", resource.kind + "/" + resource.name,
                           options.actor);
    }
    Publish(event);
    return stored;
  }

  Status DeleteResource(const std::string& kind, const std::string& name, const DeleteOptions& options) override {
    Event event;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (options.fence) KELOLA_RETURN_IF_ERROR(CheckFenceLocked(*options.fence));
      auto it = resources_.find({kind, name});
      if (it == resources_.end()) return NotFoundError(kind + "/" + name + " not found");
      if (options.expected_resource_version && *options.expected_resource_version != it->second.resource_version) {
        return AbortedError(kind + "/" + name + ": resourceVersion mismatch");
      }
      resources_.erase(it);
      ++last_version_;
      event = AppendLocked("resource.deleted", kind + "/" + name, options.actor);
    }
    Publish(event);
    return OkStatus();
  }

  Result<Event> AppendEvent(const Event& event) override {
    Event stored;
    {
      std::lock_guard<std::mutex> l(mu_);
      stored = AppendLocked(event.type, event.subject, event.actor);
      stored.data_json = event.data_json;
      events_.back().data_json = event.data_json;
    }
    Publish(stored);
    return stored;
  }

  Result<std::vector<Event>> ListEvents(const EventFilter& filter) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<Event> out;
    for (const auto& event : events_) {
      if (event.id <= filter.after_id) continue;
      if (event.type.rfind(filter.type_prefix, 0) != 0) continue;
      if (!filter.subject.empty() && event.subject != filter.subject) continue;
      if (filter.limit > 0 && static_cast<int>(out.size()) == filter.limit) break;
      out.push_back(event);
    }
    return out;
  }

  int64_t LastEventId() override {
    std::lock_guard<std::mutex> l(mu_);
    return events_.empty() ? 0 : events_.back().id;
  }

  std::unique_ptr<Subscription> Subscribe(std::function<void(const Event&)> fn) override {
    std::lock_guard<std::mutex> l(subscribers_mu_);
    int64_t id = next_subscriber_id_++;
    subscribers_[id] = std::move(fn);
    return std::make_unique<FakeSubscription>(this, id);
  }

  Status CreateToken(const ApiToken& token) override {
    std::lock_guard<std::mutex> l(mu_);
    if (!tokens_.emplace(token.id, token).second) {
      return AlreadyExistsError("token " + token.id + " already exists");
    }
    return OkStatus();
  }

  Result<ApiToken> GetToken(const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tokens_.find(id);
    if (it == tokens_.end()) return NotFoundError("token " + id + " not found");
    return it->second;
  }

  Result<std::vector<ApiToken>> ListTokens() override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<ApiToken> out;
    for (const auto& [id, token] : tokens_) out.push_back(token);
    return out;
  }

  Status RevokeToken(const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tokens_.find(id);
    if (it == tokens_.end()) return NotFoundError("token " + id + " not found");
    it->second.revoked = true;
    return OkStatus();
  }

  Result<Lease> TryAcquireLease(const std::string& name, const std::string& holder, Duration duration) override {
    std::lock_guard<std::mutex> l(mu_);
    if (lease_failures_left_ > 0) {
      --lease_failures_left_;
      return lease_failure_;
    }
    KELOLA_ASSIGN_OR_RETURN(LeaseChange change, DecideAcquire(FindLeaseLocked(name), name, holder, duration,
                                                              TruncateToMillis(clock_.Now())));
    leases_[name] = change.lease;
    return change.lease;
  }

  Result<Lease> RenewLease(const std::string& name, const std::string& holder, int64_t token,
                           Duration duration) override {
    std::lock_guard<std::mutex> l(mu_);
    if (lease_failures_left_ > 0) {
      --lease_failures_left_;
      return lease_failure_;
    }
    KELOLA_ASSIGN_OR_RETURN(Lease renewed, DecideRenew(FindLeaseLocked(name), name, holder, token, duration,
                                                       TruncateToMillis(clock_.Now())));
    leases_[name] = renewed;
    return renewed;
  }

  Status ReleaseLease(const std::string& name, const std::string& holder, int64_t token) override {
    std::lock_guard<std::mutex> l(mu_);
    KELOLA_ASSIGN_OR_RETURN(Lease released,
                            DecideRelease(FindLeaseLocked(name), name, holder, token, TruncateToMillis(clock_.Now())));
    leases_[name] = released;
    return OkStatus();
  }

  Result<std::vector<Lease>> ListLeases() override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<Lease> out;
    for (const auto& [name, lease] : leases_) out.push_back(lease);
    return out;
  }

  // Inbox and runs: kept in memory with the store's preconditions; no
  // events are appended for them (the engine's tests do not watch them).
  Result<bool> AddInboxEntry(const InboxEntry& entry) override {
    std::lock_guard<std::mutex> l(mu_);
    auto key = std::make_pair(entry.source, entry.delivery_id);
    if (inbox_.count(key) != 0) return false;
    InboxEntry stored = entry;
    stored.seq = static_cast<int64_t>(inbox_.size()) + 1;
    stored.received_at = clock_.Now();
    inbox_[key] = stored;
    return true;
  }
  Result<InboxEntry> GetInboxEntry(const std::string& source, const std::string& delivery_id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = inbox_.find({source, delivery_id});
    if (it == inbox_.end()) return NotFoundError("delivery " + source + "/" + delivery_id + " not in the inbox");
    return it->second;
  }
  Result<std::vector<InboxEntry>> ListInbox(const InboxFilter& filter) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<InboxEntry> out;
    for (const auto& [key, e] : inbox_) {
      if (e.seq > filter.after_seq && !(filter.pending_only && e.processed)) out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const InboxEntry& a, const InboxEntry& b) { return a.seq < b.seq; });
    return out;
  }
  Status MarkInboxProcessed(const std::string& source, const std::string& delivery_id,
                            const std::string& outcome) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = inbox_.find({source, delivery_id});
    if (it == inbox_.end()) return NotFoundError("delivery " + source + "/" + delivery_id + " not in the inbox");
    it->second.processed = true;
    it->second.outcome = outcome;
    return OkStatus();
  }
  Result<RunRecord> CreateRun(const RunRecord& run) override {
    std::lock_guard<std::mutex> l(mu_);
    if (runs_.count(run.id) != 0) return AlreadyExistsError("run " + run.id + " already exists");
    RunRecord stored = run;
    stored.seq = static_cast<int64_t>(runs_.size()) + 1;
    stored.version = 1;
    stored.created_at = stored.updated_at = clock_.Now();
    runs_[run.id] = stored;
    return stored;
  }
  Result<RunRecord> GetRun(const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = runs_.find(id);
    if (it == runs_.end()) return NotFoundError("run " + id + " not found");
    return it->second;
  }
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<RunRecord> out;
    for (const auto& [id, r] : runs_) {
      if ((filter.pipeline.empty() || r.pipeline == filter.pipeline) &&
          (filter.status.empty() || r.status == filter.status) && r.seq > filter.after_seq &&
          (filter.before_seq == 0 || r.seq < filter.before_seq)) {
        out.push_back(r);
      }
    }
    std::sort(out.begin(), out.end(), [&](const RunRecord& a, const RunRecord& b) {
      return filter.oldest_first ? a.seq < b.seq : a.seq > b.seq;
    });
    return out;
  }
  Result<RunRecord> UpdateRun(const RunRecord& run, int64_t expected_version) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = runs_.find(run.id);
    if (it == runs_.end()) return NotFoundError("run " + run.id + " not found");
    if (it->second.version != expected_version) return AbortedError("run " + run.id + " changed meanwhile");
    RunRecord stored = run;
    stored.seq = it->second.seq;
    stored.created_at = it->second.created_at;
    stored.updated_at = clock_.Now();
    stored.version = it->second.version + 1;
    it->second = stored;
    return stored;
  }

  // The next `count` TryAcquireLease/RenewLease calls fail with `status`
  // (a database outage).
  void FailLeaseCallsWith(Status status, int count) {
    std::lock_guard<std::mutex> l(mu_);
    lease_failure_ = std::move(status);
    lease_failures_left_ = count;
  }

 private:
  class FakeSubscription final : public Subscription {
   public:
    FakeSubscription(FakeStore* store, int64_t id) : store_(store), id_(id) {}
    // Takes the subscribers lock, so it waits for a callback in flight: no
    // callback runs after the handle is gone.
    ~FakeSubscription() override {
      std::lock_guard<std::mutex> l(store_->subscribers_mu_);
      store_->subscribers_.erase(id_);
    }

   private:
    FakeStore* store_;
    int64_t id_;
  };

  static bool Matches(const std::map<std::string, std::string>& labels, const std::vector<LabelRequirement>& selector) {
    for (const auto& req : selector) {
      auto it = labels.find(req.key);
      const bool has = it != labels.end();
      auto in_values = [&] {
        return has && std::find(req.values.begin(), req.values.end(), it->second) != req.values.end();
      };
      switch (req.op) {
        case LabelRequirement::Op::kEquals:
        case LabelRequirement::Op::kIn:
          if (!in_values()) return false;
          break;
        case LabelRequirement::Op::kNotEquals:
        case LabelRequirement::Op::kNotIn:
          if (in_values()) return false;
          break;
        case LabelRequirement::Op::kExists:
          if (!has) return false;
          break;
        case LabelRequirement::Op::kNotExists:
          if (has) return false;
          break;
      }
    }
    return true;
  }

  std::optional<Lease> FindLeaseLocked(const std::string& name) const {
    auto it = leases_.find(name);
    if (it == leases_.end()) return std::nullopt;
    return it->second;
  }

  Status CheckFenceLocked(const LeaseFence& fence) const { return CheckFence(FindLeaseLocked(fence.lease), fence); }

  Event AppendLocked(const std::string& type, const std::string& subject, const std::string& actor) {
    Event event;
    event.id = events_.empty() ? 1 : events_.back().id + 1;
    event.time = clock_.Now();
    event.type = type;
    event.subject = subject;
    event.actor = actor.empty() ? "system" : actor;
    events_.push_back(event);
    return event;
  }

  void Publish(const Event& event) {
    std::lock_guard<std::mutex> l(subscribers_mu_);
    for (const auto& [id, fn] : subscribers_) fn(event);
  }

  Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Resource> resources_;
  std::vector<Event> events_;
  std::map<std::string, ApiToken> tokens_;
  std::map<std::string, Lease> leases_;
  std::map<std::pair<std::string, std::string>, InboxEntry> inbox_;
  std::map<std::string, RunRecord> runs_;
  Status lease_failure_;
  int lease_failures_left_ = 0;
  int64_t last_version_ = 0;
  int64_t list_calls_ = 0;
  Status list_failure_;
  int list_failures_left_ = 0;
  mutable std::mutex subscribers_mu_;
  std::map<int64_t, std::function<void(const Event&)>> subscribers_;
  int64_t next_subscriber_id_ = 1;
};

}  // namespace kelola
