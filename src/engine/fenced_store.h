// FencedStore: the Store a controller writes through when leader election
// is on. Every PutResource and DeleteResource carries the controller's
// current lease fence, so the database itself refuses the writes of a
// replica that is no longer the leader (even one that was paused and does
// not know it yet). While not leading, writes fail at once with
// FailedPrecondition without reaching the database. Every refusal is logged
// at warn level ("fence refused an action"). ConfirmLeadership() does the
// same check for actions outside the store, against the stored lease. Reads, events, tokens
// and leases pass through unchanged (events are an append-only log: a stale
// leader's event is history, not state).
//
// Thread-safety: as thread-safe as the wrapped store; `fence` must be
// thread-safe (LeaderElector::Fence is).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "store/store.h"

namespace kelola {

class FencedStore final : public Store {
 public:
  // `inner` must outlive this. `fence` returns the fence to attach, or
  // nullopt while not leading; `who` names the controller in errors.
  FencedStore(Store& inner, std::function<std::optional<LeaseFence>()> fence, std::string who);

  using Store::DeleteResource;
  Result<Resource> PutResource(const Resource& resource, const PutOptions& options) override;
  Status DeleteResource(const std::string& kind, const std::string& name, const DeleteOptions& options) override;

  Result<Resource> GetResource(const std::string& kind, const std::string& name) override {
    return inner_.GetResource(kind, name);
  }
  Result<ListResult> ListResources(const ListOptions& options) override { return inner_.ListResources(options); }
  Result<Event> AppendEvent(const Event& event) override { return inner_.AppendEvent(event); }
  Result<std::vector<Event>> ListEvents(const EventFilter& filter) override { return inner_.ListEvents(filter); }
  int64_t LastEventId() override { return inner_.LastEventId(); }
  std::unique_ptr<Subscription> Subscribe(std::function<void(const Event&)> fn) override {
    return inner_.Subscribe(std::move(fn));
  }
  Status CreateToken(const ApiToken& token) override { return inner_.CreateToken(token); }
  Result<ApiToken> GetToken(const std::string& id) override { return inner_.GetToken(id); }
  Result<std::vector<ApiToken>> ListTokens() override { return inner_.ListTokens(); }
  Status RevokeToken(const std::string& id) override { return inner_.RevokeToken(id); }
  Result<Lease> TryAcquireLease(const std::string& name, const std::string& holder, Duration duration) override {
    return inner_.TryAcquireLease(name, holder, duration);
  }
  Result<Lease> RenewLease(const std::string& name, const std::string& holder, int64_t token,
                           Duration duration) override {
    return inner_.RenewLease(name, holder, token, duration);
  }
  Status ReleaseLease(const std::string& name, const std::string& holder, int64_t token) override {
    return inner_.ReleaseLease(name, holder, token);
  }
  Result<std::vector<Lease>> ListLeases() override { return inner_.ListLeases(); }
  // OK while this replica leads and the stored lease still has its token;
  // otherwise FailedPrecondition, logged as "fence refused an action".
  Status ConfirmLeadership() override;
  // Inbox and run writes are not fenced: the consumers make them idempotent
  // (deterministic run ids, version preconditions) instead.
  Result<bool> AddInboxEntry(const InboxEntry& entry) override { return inner_.AddInboxEntry(entry); }
  Result<InboxEntry> GetInboxEntry(const std::string& source, const std::string& delivery_id) override {
    return inner_.GetInboxEntry(source, delivery_id);
  }
  Result<std::vector<InboxEntry>> ListInbox(const InboxFilter& filter) override { return inner_.ListInbox(filter); }
  Status MarkInboxProcessed(const std::string& source, const std::string& delivery_id,
                            const std::string& outcome) override {
    return inner_.MarkInboxProcessed(source, delivery_id, outcome);
  }
  Result<RunRecord> CreateRun(const RunRecord& run) override { return inner_.CreateRun(run); }
  Result<RunRecord> GetRun(const std::string& id) override { return inner_.GetRun(id); }
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) override { return inner_.ListRuns(filter); }
  Result<RunRecord> UpdateRun(const RunRecord& run, int64_t expected_version) override {
    return inner_.UpdateRun(run, expected_version);
  }

 private:
  Result<LeaseFence> CurrentFence(const std::optional<LeaseFence>& requested) const;
  // Logs a refusal (the line tests and operators look for) and returns it.
  Status Refused(Status why, const char* action) const;

  Store& inner_;
  std::function<std::optional<LeaseFence>()> fence_;
  std::string who_;
};

}  // namespace kelola
