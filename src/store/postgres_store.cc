// The PostgreSQL implementation of Store. See store.h for the contract and
// postgres_store.h for how it holds across replicas; the SQL is in
// postgres_tables.cc, the cross-replica event delivery in
// postgres_event_feed.cc.
#include "store/postgres_store.h"

#include <optional>
#include <type_traits>
#include <utility>

#include "store/lease_rules.h"
#include "store/pipeline_rules.h"
#include "store/postgres_connection.h"
#include "store/postgres_event_feed.h"
#include "store/postgres_pipeline_tables.h"
#include "store/postgres_schema.h"
#include "store/postgres_tables.h"
#include "store/resource_rules.h"
#include "store/resource_validation.h"

namespace kelola {
namespace {

// A transaction is tried at most this often when PostgreSQL aborts it for
// a serialization failure or deadlock, or its connection turns out dead.
constexpr int kMaxAttempts = 3;
constexpr int kDefaultEventLimit = 1000;
constexpr int kMaxEventLimit = 10000;
// Rows read per statement when a label selector filters a listing.
constexpr int kListBatch = 500;

// What a write transaction's body returns: the caller's value, the events
// it appended (in id order) and whether to commit (a no-op rolls back).
template <typename T>
struct Written {
  T value;
  std::vector<Event> events;
  bool commit = true;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(Clock& clock, const std::string& url, const PostgresStoreOptions& options, int64_t last_event_id)
      : clock_(clock), pool_(url, options.pool_size), feed_(url, last_event_id) {}

  void StartListening() { feed_.StartListening(); }

  Result<Resource> GetResource(const std::string& kind, const std::string& name) override {
    KELOLA_RETURN_IF_ERROR(CheckGetRequest(kind, name));
    return Read([&](PgConnection& db) -> Result<Resource> {
      KELOLA_ASSIGN_OR_RETURN(auto found, PgFindResource(db, kind, name));
      if (!found.has_value()) return NotFoundError(ResourceSubject(kind, name) + " not found");
      return std::move(*found);
    });
  }

  Result<ListResult> ListResources(const ListOptions& options) override {
    KELOLA_RETURN_IF_ERROR(CheckListRequest(options));
    return Read([&](PgConnection& db) -> Result<ListResult> {
      ListResult result;
      // The selector is applied here, as in SQLite; one match more than the
      // limit tells whether another page follows.
      const size_t wanted = options.limit > 0 ? static_cast<size_t>(options.limit) + 1 : SIZE_MAX;
      const int batch = options.selector.empty() && options.limit > 0 ? options.limit + 1 : kListBatch;
      std::string after = options.after_name;
      while (result.items.size() < wanted) {
        KELOLA_ASSIGN_OR_RETURN(auto page, PgListResourcePage(db, options.kind, after, batch));
        for (Resource& r : page) {
          if (result.items.size() == wanted) break;
          if (MatchesSelector(r.labels, options.selector)) result.items.push_back(std::move(r));
        }
        if (static_cast<int>(page.size()) < batch) break;
        after = page.back().name;
      }
      TrimToListLimit(result, options.limit);
      return result;
    });
  }

  Result<Resource> PutResource(const Resource& resource, const PutOptions& options) override {
    KELOLA_ASSIGN_OR_RETURN(CanonicalPut put, PreparePut(resource, options));
    return Write<Resource>([&](PgConnection& db) -> Result<Written<Resource>> {
      KELOLA_RETURN_IF_ERROR(CheckFenceLocked(db, options.fence));
      // The version first: its row lock orders this write after every
      // resource write committed before, whichever replica made it.
      KELOLA_ASSIGN_OR_RETURN(int64_t version, PgNextResourceVersion(db));
      KELOLA_ASSIGN_OR_RETURN(auto existing, PgFindResource(db, resource.kind, resource.name));
      KELOLA_RETURN_IF_ERROR(
          CheckPutPrecondition(resource.kind, resource.name, existing, options.expected_resource_version));
      const WallTime now = TruncateToMillis(clock_.Now());
      KELOLA_ASSIGN_OR_RETURN(auto merged,
                              MergePut(existing, resource, put.spec, put.status, options.status_only, now));
      if (!merged.has_value()) return Written<Resource>{*existing, {}, /*commit=*/false};
      merged->resource_version = version;
      KELOLA_RETURN_IF_ERROR(PgUpsertResource(db, *merged));
      const char* type = existing.has_value() ? "resource.updated" : "resource.created";
      KELOLA_ASSIGN_OR_RETURN(Event event, PgInsertEvent(db, ResourceChangeEvent(type, *merged, options.actor, now)));
      return Written<Resource>{std::move(*merged), {std::move(event)}};
    });
  }

  Status DeleteResource(const std::string& kind, const std::string& name, const DeleteOptions& options) override {
    KELOLA_RETURN_IF_ERROR(CheckDeleteRequest(kind, name, options));
    return Write<bool>([&](PgConnection& db) -> Result<Written<bool>> {
             KELOLA_RETURN_IF_ERROR(CheckFenceLocked(db, options.fence));
             KELOLA_ASSIGN_OR_RETURN(int64_t version, PgNextResourceVersion(db));
             KELOLA_ASSIGN_OR_RETURN(auto existing, PgFindResource(db, kind, name));
             KELOLA_RETURN_IF_ERROR(CheckDeletePrecondition(kind, name, existing, options.expected_resource_version));
             KELOLA_RETURN_IF_ERROR(PgDeleteResourceRow(db, kind, name));
             // The deletion gets a version of its own, like any other change.
             existing->resource_version = version;
             const WallTime now = TruncateToMillis(clock_.Now());
             KELOLA_ASSIGN_OR_RETURN(Event event, PgInsertEvent(db, ResourceChangeEvent("resource.deleted", *existing,
                                                                                        options.actor, now)));
             return Written<bool>{true, {std::move(event)}};
           })
        .status();
  }

  Result<Event> AppendEvent(const Event& event) override {
    KELOLA_RETURN_IF_ERROR(ValidateEvent(event));
    KELOLA_ASSIGN_OR_RETURN(std::string data, CanonicalJsonObject(event.data_json, "event data"));
    Event stored = event;
    stored.data_json = std::move(data);
    if (stored.time == WallTime{}) stored.time = clock_.Now();
    stored.time = TruncateToMillis(stored.time);  // what reading it back returns
    return Write<Event>([&](PgConnection& db) -> Result<Written<Event>> {
      KELOLA_ASSIGN_OR_RETURN(Event inserted, PgInsertEvent(db, stored));
      return Written<Event>{inserted, {inserted}};
    });
  }

  Result<std::vector<Event>> ListEvents(const EventFilter& filter) override {
    const int limit = filter.limit <= 0 ? kDefaultEventLimit : std::min(filter.limit, kMaxEventLimit);
    return Read([&](PgConnection& db) { return PgListEvents(db, filter, limit); });
  }

  int64_t LastEventId() override { return feed_.last_event_id(); }

  std::unique_ptr<Subscription> Subscribe(std::function<void(const Event&)> fn) override {
    return feed_.Subscribe(std::move(fn));
  }

  Status CreateToken(const ApiToken& token) override {
    KELOLA_RETURN_IF_ERROR(ValidateToken(token));
    const WallTime now = clock_.Now();
    return Write<bool>([&](PgConnection& db) -> Result<Written<bool>> {
             KELOLA_ASSIGN_OR_RETURN(bool inserted, PgInsertToken(db, token, now));
             if (!inserted) return AlreadyExistsError("token " + token.id + " already exists");
             return Written<bool>{true, {}};
           })
        .status();
  }

  Result<ApiToken> GetToken(const std::string& id) override {
    if (id.empty()) return InvalidArgumentError("token id is empty");
    return Read([&](PgConnection& db) -> Result<ApiToken> {
      KELOLA_ASSIGN_OR_RETURN(auto found, PgFindToken(db, id));
      if (!found.has_value()) return NotFoundError("token " + id + " not found");
      return std::move(*found);
    });
  }

  Result<std::vector<ApiToken>> ListTokens() override {
    return Read([&](PgConnection& db) { return PgListTokens(db); });
  }

  Status RevokeToken(const std::string& id) override {
    if (id.empty()) return InvalidArgumentError("token id is empty");
    return Write<bool>([&](PgConnection& db) -> Result<Written<bool>> {
             KELOLA_ASSIGN_OR_RETURN(bool found, PgRevokeToken(db, id));
             if (!found) return NotFoundError("token " + id + " not found");
             return Written<bool>{true, {}};
           })
        .status();
  }

  Result<Lease> TryAcquireLease(const std::string& name, const std::string& holder, Duration duration) override {
    KELOLA_RETURN_IF_ERROR(ValidateLeaseName(name));
    KELOLA_RETURN_IF_ERROR(ValidateLeaseHolder(holder));
    KELOLA_RETURN_IF_ERROR(ValidateLeaseDuration(duration));
    const WallTime now = TruncateToMillis(clock_.Now());
    return Write<Lease>([&](PgConnection& db) -> Result<Written<Lease>> {
      KELOLA_ASSIGN_OR_RETURN(auto current, PgLockLease(db, name, PgRowLock::kUpdateOrCreate));
      KELOLA_ASSIGN_OR_RETURN(LeaseChange change, DecideAcquire(current, name, holder, duration, now));
      KELOLA_RETURN_IF_ERROR(PgUpdateLease(db, change.lease));
      Written<Lease> written{change.lease, {}};
      if (change.changed_hands) {
        Event event = LeaseEvent("lease.acquired", change.lease);
        event.time = now;
        KELOLA_ASSIGN_OR_RETURN(Event inserted, PgInsertEvent(db, std::move(event)));
        written.events.push_back(std::move(inserted));
      }
      return written;
    });
  }

  Result<Lease> RenewLease(const std::string& name, const std::string& holder, int64_t token,
                           Duration duration) override {
    KELOLA_RETURN_IF_ERROR(ValidateLeaseName(name));
    KELOLA_RETURN_IF_ERROR(ValidateLeaseHolder(holder));
    KELOLA_RETURN_IF_ERROR(ValidateLeaseDuration(duration));
    const WallTime now = TruncateToMillis(clock_.Now());
    return Write<Lease>([&](PgConnection& db) -> Result<Written<Lease>> {
      KELOLA_ASSIGN_OR_RETURN(auto current, PgLockLease(db, name, PgRowLock::kUpdate));
      KELOLA_ASSIGN_OR_RETURN(Lease renewed, DecideRenew(current, name, holder, token, duration, now));
      KELOLA_RETURN_IF_ERROR(PgUpdateLease(db, renewed));
      return Written<Lease>{std::move(renewed), {}};
    });
  }

  Status ReleaseLease(const std::string& name, const std::string& holder, int64_t token) override {
    KELOLA_RETURN_IF_ERROR(ValidateLeaseName(name));
    KELOLA_RETURN_IF_ERROR(ValidateLeaseHolder(holder));
    const WallTime now = TruncateToMillis(clock_.Now());
    return Write<bool>([&](PgConnection& db) -> Result<Written<bool>> {
             KELOLA_ASSIGN_OR_RETURN(auto current, PgLockLease(db, name, PgRowLock::kUpdate));
             KELOLA_ASSIGN_OR_RETURN(Lease released, DecideRelease(current, name, holder, token, now));
             KELOLA_RETURN_IF_ERROR(PgUpdateLease(db, released));
             Event event = LeaseEvent("lease.released", *current);
             event.time = now;
             KELOLA_ASSIGN_OR_RETURN(Event inserted, PgInsertEvent(db, std::move(event)));
             return Written<bool>{true, {std::move(inserted)}};
           })
        .status();
  }

  Result<std::vector<Lease>> ListLeases() override {
    return Read([&](PgConnection& db) { return PgListLeases(db); });
  }

  Result<bool> AddInboxEntry(const InboxEntry& entry) override {
    KELOLA_RETURN_IF_ERROR(ValidateInboxEntry(entry));
    InboxEntry stored = entry;
    stored.received_at = TruncateToMillis(clock_.Now());
    return Write<bool>([&](PgConnection& db) -> Result<Written<bool>> {
      KELOLA_ASSIGN_OR_RETURN(auto seq, PgInsertInbox(db, stored));
      if (!seq.has_value()) return Written<bool>{false, {}, false};
      stored.seq = *seq;
      KELOLA_ASSIGN_OR_RETURN(Event event, PgInsertEvent(db, InboxReceivedEvent(stored)));
      return Written<bool>{true, {std::move(event)}};
    });
  }

  Result<InboxEntry> GetInboxEntry(const std::string& source, const std::string& delivery_id) override {
    KELOLA_RETURN_IF_ERROR(ValidateInboxKey(source, delivery_id));
    return Read([&](PgConnection& db) -> Result<InboxEntry> {
      KELOLA_ASSIGN_OR_RETURN(auto found, PgFindInbox(db, source, delivery_id));
      if (!found.has_value()) return NotFoundError("delivery " + source + "/" + delivery_id + " not in the inbox");
      return std::move(*found);
    });
  }

  Result<std::vector<InboxEntry>> ListInbox(const InboxFilter& filter) override {
    const int limit = ClampPipelineLimit(filter.limit);
    return Read([&](PgConnection& db) { return PgListInbox(db, filter, limit); });
  }

  Status MarkInboxProcessed(const std::string& source, const std::string& delivery_id,
                            const std::string& outcome) override {
    KELOLA_RETURN_IF_ERROR(ValidateInboxKey(source, delivery_id));
    return Write<bool>([&](PgConnection& db) -> Result<Written<bool>> {
             KELOLA_ASSIGN_OR_RETURN(bool found, PgMarkInbox(db, source, delivery_id, outcome));
             if (!found) return NotFoundError("delivery " + source + "/" + delivery_id + " not in the inbox");
             return Written<bool>{true, {}};
           })
        .status();
  }

  Result<RunRecord> CreateRun(const RunRecord& run) override {
    KELOLA_ASSIGN_OR_RETURN(std::string data, ValidateRun(run));
    RunRecord stored = run;
    stored.data_json = std::move(data);
    stored.version = 1;
    stored.created_at = stored.updated_at = TruncateToMillis(clock_.Now());
    return Write<RunRecord>([&](PgConnection& db) -> Result<Written<RunRecord>> {
      KELOLA_ASSIGN_OR_RETURN(auto seq, PgInsertRun(db, stored));
      if (!seq.has_value()) return AlreadyExistsError("run " + run.id + " already exists");
      RunRecord written = stored;
      written.seq = *seq;
      KELOLA_ASSIGN_OR_RETURN(Event event, PgInsertEvent(db, RunChangeEvent("run.created", written)));
      return Written<RunRecord>{std::move(written), {std::move(event)}};
    });
  }

  Result<RunRecord> GetRun(const std::string& id) override {
    KELOLA_RETURN_IF_ERROR(ValidateRunId(id));
    return Read([&](PgConnection& db) -> Result<RunRecord> {
      KELOLA_ASSIGN_OR_RETURN(auto found, PgFindRun(db, id, false));
      if (!found.has_value()) return NotFoundError("run " + id + " not found");
      return std::move(*found);
    });
  }

  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) override {
    const int limit = ClampPipelineLimit(filter.limit);
    return Read([&](PgConnection& db) { return PgListRuns(db, filter, limit); });
  }

  Result<RunRecord> UpdateRun(const RunRecord& run, int64_t expected_version) override {
    KELOLA_ASSIGN_OR_RETURN(std::string data, ValidateRun(run));
    const WallTime now = TruncateToMillis(clock_.Now());
    return Write<RunRecord>([&](PgConnection& db) -> Result<Written<RunRecord>> {
      KELOLA_ASSIGN_OR_RETURN(auto existing, PgFindRun(db, run.id, true));
      KELOLA_ASSIGN_OR_RETURN(RunRecord stored, ApplyRunUpdate(existing, run, data, expected_version, now));
      KELOLA_RETURN_IF_ERROR(PgUpdateRun(db, stored));
      KELOLA_ASSIGN_OR_RETURN(Event event, PgInsertEvent(db, RunChangeEvent("run.updated", stored)));
      return Written<RunRecord>{std::move(stored), {std::move(event)}};
    });
  }

 private:
  static Status CheckFenceLocked(PgConnection& db, const std::optional<LeaseFence>& fence) {
    if (!fence.has_value()) return OkStatus();
    KELOLA_ASSIGN_OR_RETURN(auto lease, PgLockLease(db, fence->lease, PgRowLock::kShare));
    return CheckFence(lease, *fence);
  }

  // One statement (or several, each on its own) without a transaction. A
  // connection found dead is retried on a fresh one: reads are idempotent.
  template <typename F>
  std::invoke_result_t<F&, PgConnection&> Read(F&& body) {
    std::invoke_result_t<F&, PgConnection&> result = UnavailableError("PostgreSQL store: no attempt made");
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto handle = pool_.Acquire();
      if (!handle.ok()) return handle.status();
      PgConnection& conn = **handle;
      result = body(conn);
      if (result.ok() || !conn.broken()) return result;
      pool_.DropIdle();  // after a server restart every idle connection is dead too
    }
    return result;
  }

  // Runs `body` in a transaction and commits it (through the feed, which
  // queues the appended events for delivery), then delivers the events on
  // this thread with no connection held. Retried on serialization failure,
  // deadlock, or a connection that broke before COMMIT was sent; a
  // connection lost during COMMIT leaves the outcome unknown: Unavailable.
  template <typename T, typename F>
  Result<T> Write(F&& body) {
    Status failure = UnavailableError("PostgreSQL store: no attempt made");
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto acquired = pool_.Acquire();
      if (!acquired.ok()) return acquired.status();
      std::optional<PgPool::Handle> handle(std::move(acquired).value());
      PgConnection& conn = **handle;
      bool retry = false;
      failure = conn.Exec("BEGIN").status();
      if (failure.ok()) {
        Result<Written<T>> written = body(conn);
        if (written.ok() && written->commit) {
          failure = feed_.CommitAndPublish(conn, written->events);
          if (failure.ok()) {
            handle.reset();
            feed_.Deliver();
            return std::move(written->value);
          }
          if (conn.broken()) {
            pool_.DropIdle();
            return UnavailableError(
                "the connection broke during COMMIT; the write may or may not have been "
                "applied: " +
                failure.message());
          }
          retry = conn.IsRetryableTransactionError();
        } else {
          retry = !written.ok() && (conn.broken() || conn.IsRetryableTransactionError());
          if (!conn.broken()) (void)conn.Exec("ROLLBACK");
          if (written.ok()) return std::move(written->value);  // a no-op write
          failure = written.status();
        }
      } else {
        retry = conn.broken();
      }
      if (conn.broken()) pool_.DropIdle();
      if (!retry) return failure;
    }
    return failure;
  }

  Clock& clock_;
  PgPool pool_;
  PgEventFeed feed_;
};

}  // namespace

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, Clock& clock,
                                                 const PostgresStoreOptions& options) {
  KELOLA_ASSIGN_OR_RETURN(auto conn, PgConnection::Open(url));
  KELOLA_RETURN_IF_ERROR(ApplyPostgresMigrations(*conn, PostgresStoreMigrations(), clock).status());
  KELOLA_ASSIGN_OR_RETURN(int64_t last_event_id, PgLastEventId(*conn));
  auto store = std::make_unique<PostgresStore>(clock, url, options, last_event_id);
  if (options.listen) store->StartListening();
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, Clock& clock) {
  return OpenPostgresStore(url, clock, PostgresStoreOptions{});
}

}  // namespace kelola
