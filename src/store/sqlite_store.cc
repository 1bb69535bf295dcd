// The SQLite implementation of Store. See store.h for the contract and
// sqlite_store.h for the durability guarantees.
//
// Two connections: every write goes through `writer_` under `write_mu_`, in an
// IMMEDIATE transaction; reads use `reader_` under `read_mu_`. Under WAL a
// reader sees the last committed state and is never blocked by a writer's
// fsync, so GETs stay fast while a large write commits. (An in-memory database
// cannot be shared by two connections: there the writer serves reads too.)
#include "store/sqlite_store.h"

#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <type_traits>

#include "store/event_broadcaster.h"
#include "store/lease_rules.h"
#include "store/migrations.h"
#include "store/pipeline_rules.h"
#include "store/resource_rules.h"
#include "store/resource_validation.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_leases.h"
#include "store/sqlite_pipeline_tables.h"

namespace kelola {

namespace {

constexpr int kDefaultEventLimit = 1000;
constexpr int kMaxEventLimit = 10000;

WallTime FromMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

bool IsInMemory(const std::string& path) {
  return path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0;
}

constexpr const char* kSelectResourceColumns =
    "SELECT kind, name, labels, spec, status, generation, resource_version, created_at, "
    "updated_at FROM resources ";

Result<Resource> ReadResourceRow(const SqliteStatement& row) {
  Resource r;
  r.kind = row.ColumnText(0);
  r.name = row.ColumnText(1);
  KELOLA_ASSIGN_OR_RETURN(r.labels, LabelsFromJson(row.ColumnText(2)));
  r.spec_json = row.ColumnText(3);
  r.status_json = row.ColumnText(4);
  r.generation = row.ColumnInt(5);
  r.resource_version = row.ColumnInt(6);
  r.created_at = FromMillis(row.ColumnInt(7));
  r.updated_at = FromMillis(row.ColumnInt(8));
  return r;
}

Event ReadEventRow(const SqliteStatement& row) {
  Event e;
  e.id = row.ColumnInt(0);
  e.time = FromMillis(row.ColumnInt(1));
  e.type = row.ColumnText(2);
  e.subject = row.ColumnText(3);
  e.actor = row.ColumnText(4);
  e.data_json = row.ColumnText(5);
  return e;
}

ApiToken ReadTokenRow(const SqliteStatement& row) {
  ApiToken t;
  t.id = row.ColumnText(0);
  t.name = row.ColumnText(1);
  t.role = row.ColumnText(2);
  t.secret_hash = row.ColumnText(3);
  t.created_at = FromMillis(row.ColumnInt(4));
  if (!row.ColumnIsNull(5)) t.expires_at = FromMillis(row.ColumnInt(5));
  t.revoked = row.ColumnInt(6) != 0;
  return t;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(Clock& clock, std::unique_ptr<SqliteConnection> writer, std::unique_ptr<SqliteConnection> reader,
              int64_t last_event_id)
      : clock_(clock), writer_(std::move(writer)), reader_(std::move(reader)), last_event_id_(last_event_id) {}

  Result<Resource> GetResource(const std::string& kind, const std::string& name) override {
    KELOLA_RETURN_IF_ERROR(CheckGetRequest(kind, name));
    return WithReader([&](SqliteConnection& db) -> Result<Resource> {
      KELOLA_ASSIGN_OR_RETURN(auto found, FindResource(db, kind, name));
      if (!found.has_value()) return NotFoundError(ResourceSubject(kind, name) + " not found");
      return std::move(*found);
    });
  }

  Result<ListResult> ListResources(const ListOptions& options) override {
    KELOLA_RETURN_IF_ERROR(CheckListRequest(options));
    return WithReader([&](SqliteConnection& db) -> Result<ListResult> {
      static constexpr const char* kSql =
          "SELECT kind, name, labels, spec, status, generation, resource_version, created_at, "
          "updated_at FROM resources WHERE kind = ? AND name > ? ORDER BY name";
      KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
      stmt.BindText(1, options.kind);
      stmt.BindText(2, options.after_name);
      ListResult result;
      // The selector is applied here, not in SQL, so one more match than the
      // limit tells whether another page follows.
      const size_t wanted = options.limit > 0 ? static_cast<size_t>(options.limit) + 1 : SIZE_MAX;
      while (result.items.size() < wanted) {
        KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        KELOLA_ASSIGN_OR_RETURN(Resource r, ReadResourceRow(stmt));
        if (MatchesSelector(r.labels, options.selector)) result.items.push_back(std::move(r));
      }
      TrimToListLimit(result, options.limit);
      return result;
    });
  }

  Result<Resource> PutResource(const Resource& resource, const PutOptions& options) override {
    KELOLA_ASSIGN_OR_RETURN(CanonicalPut put, PreparePut(resource, options));
    Resource stored;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
      KELOLA_RETURN_IF_ERROR(CheckFenceLocked(options.fence));
      KELOLA_ASSIGN_OR_RETURN(auto existing, FindResource(*writer_, resource.kind, resource.name));
      KELOLA_RETURN_IF_ERROR(
          CheckPutPrecondition(resource.kind, resource.name, existing, options.expected_resource_version));
      const WallTime now = FromMillis(UnixMillis(clock_.Now()));
      KELOLA_ASSIGN_OR_RETURN(auto merged,
                              MergePut(existing, resource, put.spec, put.status, options.status_only, now));
      if (!merged.has_value()) return *existing;
      stored = std::move(*merged);
      KELOLA_ASSIGN_OR_RETURN(stored.resource_version, NextResourceVersion());
      KELOLA_RETURN_IF_ERROR(WriteResourceRow(stored));
      KELOLA_ASSIGN_OR_RETURN(Event event,
                              InsertChangeEvent(existing.has_value() ? "resource.updated" : "resource.created", stored,
                                                options.actor, stored.updated_at));
      KELOLA_RETURN_IF_ERROR(transaction.Commit());
      Published(std::move(event));
    }
    broadcaster_.Deliver();
    return stored;
  }

  Status DeleteResource(const std::string& kind, const std::string& name, const DeleteOptions& options) override {
    KELOLA_RETURN_IF_ERROR(CheckDeleteRequest(kind, name, options));
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
      KELOLA_RETURN_IF_ERROR(CheckFenceLocked(options.fence));
      KELOLA_ASSIGN_OR_RETURN(auto existing, FindResource(*writer_, kind, name));
      KELOLA_RETURN_IF_ERROR(CheckDeletePrecondition(kind, name, existing, options.expected_resource_version));
      {
        KELOLA_ASSIGN_OR_RETURN(auto stmt, writer_->Prepare("DELETE FROM resources WHERE kind = ? AND name = ?"));
        stmt.BindText(1, kind);
        stmt.BindText(2, name);
        KELOLA_RETURN_IF_ERROR(stmt.Run());
      }
      // The deletion gets a version of its own, like any other change.
      KELOLA_ASSIGN_OR_RETURN(existing->resource_version, NextResourceVersion());
      KELOLA_ASSIGN_OR_RETURN(Event event, InsertChangeEvent("resource.deleted", *existing, options.actor,
                                                             FromMillis(UnixMillis(clock_.Now()))));
      KELOLA_RETURN_IF_ERROR(transaction.Commit());
      Published(std::move(event));
    }
    broadcaster_.Deliver();
    return OkStatus();
  }

  Result<Event> AppendEvent(const Event& event) override {
    KELOLA_RETURN_IF_ERROR(ValidateEvent(event));
    KELOLA_ASSIGN_OR_RETURN(std::string data, CanonicalJsonObject(event.data_json, "event data"));
    Event stored = event;
    stored.data_json = std::move(data);
    if (stored.time == WallTime{}) stored.time = clock_.Now();
    stored.time = FromMillis(UnixMillis(stored.time));  // what reading it back returns
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(stored.id, InsertEvent(stored));
      Published(stored);
    }
    broadcaster_.Deliver();
    return stored;
  }

  Result<std::vector<Event>> ListEvents(const EventFilter& filter) override {
    int limit = filter.limit <= 0 ? kDefaultEventLimit : std::min(filter.limit, kMaxEventLimit);
    return WithReader([&](SqliteConnection& db) -> Result<std::vector<Event>> {
      // Two statements so the subject filter can use its index.
      static constexpr const char* kAll =
          "SELECT id, time, type, subject, actor, data FROM events WHERE id > ?1 AND "
          "(?2 = '' OR substr(type, 1, length(?2)) = ?2) ORDER BY id LIMIT ?3";
      static constexpr const char* kBySubject =
          "SELECT id, time, type, subject, actor, data FROM events WHERE subject = ?4 AND "
          "id > ?1 AND (?2 = '' OR substr(type, 1, length(?2)) = ?2) ORDER BY id LIMIT ?3";
      KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(filter.subject.empty() ? kAll : kBySubject));
      stmt.BindInt(1, filter.after_id);
      stmt.BindText(2, filter.type_prefix);
      stmt.BindInt(3, limit);
      if (!filter.subject.empty()) stmt.BindText(4, filter.subject);
      std::vector<Event> events;
      while (true) {
        KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) return events;
        events.push_back(ReadEventRow(stmt));
      }
    });
  }

  int64_t LastEventId() override { return last_event_id_.load(); }

  std::unique_ptr<Subscription> Subscribe(std::function<void(const Event&)> fn) override {
    // Under the write lock no commit is between its COMMIT and its Enqueue,
    // so "after the last id" is exactly "every event not yet committed".
    std::lock_guard<std::mutex> lock(write_mu_);
    return broadcaster_.Subscribe(last_event_id_.load(), std::move(fn));
  }

  Status CreateToken(const ApiToken& token) override {
    KELOLA_RETURN_IF_ERROR(ValidateToken(token));
    std::lock_guard<std::mutex> lock(write_mu_);
    KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
    {
      KELOLA_ASSIGN_OR_RETURN(auto find, writer_->Prepare("SELECT 1 FROM tokens WHERE id = ?"));
      find.BindText(1, token.id);
      KELOLA_ASSIGN_OR_RETURN(bool exists, find.Step());
      if (exists) return AlreadyExistsError("token " + token.id + " already exists");
    }
    {
      KELOLA_ASSIGN_OR_RETURN(auto insert,
                              writer_->Prepare("INSERT INTO tokens (id, name, role, secret_hash, created_at, "
                                               "expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)"));
      insert.BindText(1, token.id);
      insert.BindText(2, token.name);
      insert.BindText(3, token.role);
      insert.BindText(4, token.secret_hash);
      insert.BindInt(5, UnixMillis(clock_.Now()));
      if (token.expires_at.has_value()) {
        insert.BindInt(6, UnixMillis(*token.expires_at));
      } else {
        insert.BindNull(6);
      }
      insert.BindInt(7, token.revoked ? 1 : 0);
      KELOLA_RETURN_IF_ERROR(insert.Run());
    }
    return transaction.Commit();
  }

  Result<ApiToken> GetToken(const std::string& id) override {
    if (id.empty()) return InvalidArgumentError("token id is empty");
    return WithReader([&](SqliteConnection& db) -> Result<ApiToken> {
      KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT id, name, role, secret_hash, created_at, expires_at, "
                                                    "revoked FROM tokens WHERE id = ?"));
      stmt.BindText(1, id);
      KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return NotFoundError("token " + id + " not found");
      return ReadTokenRow(stmt);
    });
  }

  Result<std::vector<ApiToken>> ListTokens() override {
    return WithReader([&](SqliteConnection& db) -> Result<std::vector<ApiToken>> {
      KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT id, name, role, secret_hash, created_at, expires_at, "
                                                    "revoked FROM tokens ORDER BY id"));
      std::vector<ApiToken> tokens;
      while (true) {
        KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) return tokens;
        tokens.push_back(ReadTokenRow(stmt));
      }
    });
  }

  Status RevokeToken(const std::string& id) override {
    if (id.empty()) return InvalidArgumentError("token id is empty");
    std::lock_guard<std::mutex> lock(write_mu_);
    KELOLA_ASSIGN_OR_RETURN(auto stmt, writer_->Prepare("UPDATE tokens SET revoked = 1 WHERE id = ? RETURNING 1"));
    stmt.BindText(1, id);
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFoundError("token " + id + " not found");
    return stmt.Run();  // step to completion so the autocommit finishes
  }

  Result<Lease> TryAcquireLease(const std::string& name, const std::string& holder, Duration duration) override {
    KELOLA_RETURN_IF_ERROR(ValidateLeaseName(name));
    KELOLA_RETURN_IF_ERROR(ValidateLeaseHolder(holder));
    KELOLA_RETURN_IF_ERROR(ValidateLeaseDuration(duration));
    LeaseChange change;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
      KELOLA_ASSIGN_OR_RETURN(auto current, SqliteFindLease(*writer_, name));
      KELOLA_ASSIGN_OR_RETURN(change, DecideAcquire(current, name, holder, duration, TruncateToMillis(clock_.Now())));
      KELOLA_RETURN_IF_ERROR(SqliteWriteLease(*writer_, change.lease));
      std::optional<Event> event;
      if (change.changed_hands) {
        event = LeaseEvent("lease.acquired", change.lease);
        event->time = change.lease.renewed_at;
        KELOLA_ASSIGN_OR_RETURN(event->id, InsertEvent(*event));
      }
      KELOLA_RETURN_IF_ERROR(transaction.Commit());
      if (event.has_value()) Published(std::move(*event));
    }
    broadcaster_.Deliver();
    return change.lease;
  }

  Result<Lease> RenewLease(const std::string& name, const std::string& holder, int64_t token,
                           Duration duration) override {
    KELOLA_RETURN_IF_ERROR(ValidateLeaseDuration(duration));
    std::lock_guard<std::mutex> lock(write_mu_);
    KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
    KELOLA_ASSIGN_OR_RETURN(auto current, SqliteFindLease(*writer_, name));
    KELOLA_ASSIGN_OR_RETURN(Lease renewed,
                            DecideRenew(current, name, holder, token, duration, TruncateToMillis(clock_.Now())));
    KELOLA_RETURN_IF_ERROR(SqliteWriteLease(*writer_, renewed));
    KELOLA_RETURN_IF_ERROR(transaction.Commit());
    return renewed;
  }

  Status ReleaseLease(const std::string& name, const std::string& holder, int64_t token) override {
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
      KELOLA_ASSIGN_OR_RETURN(auto current, SqliteFindLease(*writer_, name));
      const WallTime now = TruncateToMillis(clock_.Now());
      KELOLA_ASSIGN_OR_RETURN(Lease released, DecideRelease(current, name, holder, token, now));
      KELOLA_RETURN_IF_ERROR(SqliteWriteLease(*writer_, released));
      Event event = LeaseEvent("lease.released", *current);
      event.time = now;
      KELOLA_ASSIGN_OR_RETURN(event.id, InsertEvent(event));
      KELOLA_RETURN_IF_ERROR(transaction.Commit());
      Published(std::move(event));
    }
    broadcaster_.Deliver();
    return OkStatus();
  }

  Result<std::vector<Lease>> ListLeases() override {
    return WithReader([&](SqliteConnection& db) { return SqliteListLeases(db); });
  }

  Result<bool> AddInboxEntry(const InboxEntry& entry) override {
    KELOLA_RETURN_IF_ERROR(ValidateInboxEntry(entry));
    InboxEntry stored = entry;
    stored.received_at = FromMillis(UnixMillis(clock_.Now()));
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
      KELOLA_ASSIGN_OR_RETURN(auto existing, SqliteFindInbox(*writer_, entry.source, entry.delivery_id));
      if (existing.has_value()) return false;
      KELOLA_ASSIGN_OR_RETURN(stored.seq, SqliteInsertInbox(*writer_, stored));
      Event event = InboxReceivedEvent(stored);
      KELOLA_ASSIGN_OR_RETURN(event.id, InsertEvent(event));
      KELOLA_RETURN_IF_ERROR(transaction.Commit());
      Published(std::move(event));
    }
    broadcaster_.Deliver();
    return true;
  }

  Result<InboxEntry> GetInboxEntry(const std::string& source, const std::string& delivery_id) override {
    KELOLA_RETURN_IF_ERROR(ValidateInboxKey(source, delivery_id));
    return WithReader([&](SqliteConnection& db) -> Result<InboxEntry> {
      KELOLA_ASSIGN_OR_RETURN(auto found, SqliteFindInbox(db, source, delivery_id));
      if (!found.has_value()) return NotFoundError("delivery " + source + "/" + delivery_id + " not in the inbox");
      return std::move(*found);
    });
  }

  Result<std::vector<InboxEntry>> ListInbox(const InboxFilter& filter) override {
    const int limit = ClampPipelineLimit(filter.limit);
    return WithReader([&](SqliteConnection& db) { return SqliteListInbox(db, filter, limit); });
  }

  Status MarkInboxProcessed(const std::string& source, const std::string& delivery_id,
                            const std::string& outcome) override {
    KELOLA_RETURN_IF_ERROR(ValidateInboxKey(source, delivery_id));
    std::lock_guard<std::mutex> lock(write_mu_);
    KELOLA_ASSIGN_OR_RETURN(bool found, SqliteMarkInbox(*writer_, source, delivery_id, outcome));
    if (!found) return NotFoundError("delivery " + source + "/" + delivery_id + " not in the inbox");
    return OkStatus();
  }

  Result<RunRecord> CreateRun(const RunRecord& run) override {
    KELOLA_ASSIGN_OR_RETURN(std::string data, ValidateRun(run));
    RunRecord stored = run;
    stored.data_json = std::move(data);
    stored.version = 1;
    stored.created_at = stored.updated_at = FromMillis(UnixMillis(clock_.Now()));
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
      KELOLA_ASSIGN_OR_RETURN(auto existing, SqliteFindRun(*writer_, run.id));
      if (existing.has_value()) return AlreadyExistsError("run " + run.id + " already exists");
      KELOLA_ASSIGN_OR_RETURN(stored.seq, SqliteInsertRun(*writer_, stored));
      Event event = RunChangeEvent("run.created", stored);
      KELOLA_ASSIGN_OR_RETURN(event.id, InsertEvent(event));
      KELOLA_RETURN_IF_ERROR(transaction.Commit());
      Published(std::move(event));
    }
    broadcaster_.Deliver();
    return stored;
  }

  Result<RunRecord> GetRun(const std::string& id) override {
    KELOLA_RETURN_IF_ERROR(ValidateRunId(id));
    return WithReader([&](SqliteConnection& db) -> Result<RunRecord> {
      KELOLA_ASSIGN_OR_RETURN(auto found, SqliteFindRun(db, id));
      if (!found.has_value()) return NotFoundError("run " + id + " not found");
      return std::move(*found);
    });
  }

  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) override {
    const int limit = ClampPipelineLimit(filter.limit);
    return WithReader([&](SqliteConnection& db) { return SqliteListRuns(db, filter, limit); });
  }

  Result<RunRecord> UpdateRun(const RunRecord& run, int64_t expected_version) override {
    KELOLA_ASSIGN_OR_RETURN(std::string data, ValidateRun(run));
    RunRecord stored;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(*writer_));
      KELOLA_ASSIGN_OR_RETURN(auto existing, SqliteFindRun(*writer_, run.id));
      KELOLA_ASSIGN_OR_RETURN(stored, ApplyRunUpdate(existing, run, std::move(data), expected_version,
                                                     FromMillis(UnixMillis(clock_.Now()))));
      KELOLA_RETURN_IF_ERROR(SqliteUpdateRun(*writer_, stored));
      Event event = RunChangeEvent("run.updated", stored);
      KELOLA_ASSIGN_OR_RETURN(event.id, InsertEvent(event));
      KELOLA_RETURN_IF_ERROR(transaction.Commit());
      Published(std::move(event));
    }
    broadcaster_.Deliver();
    return stored;
  }

 private:
  template <typename F>
  std::invoke_result_t<F&, SqliteConnection&> WithReader(F&& f) {
    if (reader_ == nullptr) {
      std::lock_guard<std::mutex> lock(write_mu_);
      return f(*writer_);
    }
    std::lock_guard<std::mutex> lock(read_mu_);
    return f(*reader_);
  }

  static Result<std::optional<Resource>> FindResource(SqliteConnection& db, const std::string& kind,
                                                      const std::string& name) {
    static const std::string sql = std::string(kSelectResourceColumns) + "WHERE kind = ? AND name = ?";
    KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql.c_str()));
    stmt.BindText(1, kind);
    stmt.BindText(2, name);
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Resource>();
    KELOLA_ASSIGN_OR_RETURN(Resource r, ReadResourceRow(stmt));
    return std::optional<Resource>(std::move(r));
  }

  // Callers hold write_mu_ and an open transaction.
  Result<int64_t> NextResourceVersion() {
    KELOLA_ASSIGN_OR_RETURN(auto stmt, writer_->Prepare("UPDATE resource_version_counter SET value = value + 1 "
                                                        "WHERE id = 1 RETURNING value"));
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return DataLossError("resource_version_counter row is missing");
    int64_t version = stmt.ColumnInt(0);
    KELOLA_RETURN_IF_ERROR(stmt.Run());
    return version;
  }

  Status WriteResourceRow(const Resource& r) {
    KELOLA_ASSIGN_OR_RETURN(
        auto stmt, writer_->Prepare("INSERT INTO resources (kind, name, labels, spec, status, generation, "
                                    "resource_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                    "ON CONFLICT (kind, name) DO UPDATE SET labels = excluded.labels, "
                                    "spec = excluded.spec, status = excluded.status, "
                                    "generation = excluded.generation, "
                                    "resource_version = excluded.resource_version, "
                                    "updated_at = excluded.updated_at"));
    stmt.BindText(1, r.kind);
    stmt.BindText(2, r.name);
    stmt.BindText(3, LabelsToJson(r.labels));
    stmt.BindText(4, r.spec_json);
    stmt.BindText(5, r.status_json);
    stmt.BindInt(6, r.generation);
    stmt.BindInt(7, r.resource_version);
    stmt.BindInt(8, UnixMillis(r.created_at));
    stmt.BindInt(9, UnixMillis(r.updated_at));
    return stmt.Run();
  }

  Result<Event> InsertChangeEvent(const std::string& type, const Resource& r, const std::string& actor, WallTime time) {
    Event event = ResourceChangeEvent(type, r, actor, time);
    KELOLA_ASSIGN_OR_RETURN(event.id, InsertEvent(event));
    return event;
  }

  // Callers hold write_mu_ and an open transaction.
  Status CheckFenceLocked(const std::optional<LeaseFence>& fence) {
    if (!fence.has_value()) return OkStatus();
    KELOLA_ASSIGN_OR_RETURN(auto lease, SqliteFindLease(*writer_, fence->lease));
    return CheckFence(lease, *fence);
  }

  // Callers hold write_mu_; a lone INSERT commits by itself.
  Result<int64_t> InsertEvent(const Event& event) {
    KELOLA_ASSIGN_OR_RETURN(auto stmt, writer_->Prepare("INSERT INTO events (time, type, subject, actor, data) "
                                                        "VALUES (?, ?, ?, ?, ?) RETURNING id"));
    stmt.BindInt(1, UnixMillis(event.time));
    stmt.BindText(2, event.type);
    stmt.BindText(3, event.subject);
    stmt.BindText(4, event.actor);
    stmt.BindText(5, event.data_json);
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return InternalError("INSERT INTO events returned no id");
    int64_t id = stmt.ColumnInt(0);
    KELOLA_RETURN_IF_ERROR(stmt.Run());
    return id;
  }

  // Called under write_mu_ right after a commit, which keeps the broadcast
  // queue in id order.
  void Published(Event event) {
    last_event_id_.store(event.id);
    broadcaster_.Enqueue({std::move(event)});
  }

  Clock& clock_;
  std::mutex write_mu_;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex read_mu_;
  std::unique_ptr<SqliteConnection> reader_;  // null for in-memory databases
  std::atomic<int64_t> last_event_id_;
  EventBroadcaster broadcaster_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, Clock& clock) {
  const bool in_memory = IsInMemory(path);
  KELOLA_ASSIGN_OR_RETURN(auto writer, SqliteConnection::Open(path, {}));
  KELOLA_ASSIGN_OR_RETURN(std::string mode, writer->QueryText("PRAGMA journal_mode = WAL"));
  if (!in_memory && mode != "wal") {
    return UnavailableError("SQLite " + path + " could not switch to WAL mode (got \"" + mode +
                            "\"); is the file on a filesystem without shared memory support?");
  }
  // WAL + synchronous=NORMAL: a commit is appended to the WAL without an
  // fsync; the WAL is fsynced at checkpoints. A committed transaction is in
  // the OS page cache, so it survives the process crashing or being killed;
  // only an OS crash or power loss can roll back the last commits, and never
  // corrupts the file. FULL would add an fsync per write for that last case.
  KELOLA_RETURN_IF_ERROR(writer->Exec("PRAGMA synchronous = NORMAL"));
  KELOLA_RETURN_IF_ERROR(ApplyMigrations(*writer, SqliteStoreMigrations(), clock).status());

  int64_t last_event_id = 0;
  {
    KELOLA_ASSIGN_OR_RETURN(auto stmt, writer->Prepare("SELECT COALESCE(MAX(id), 0) FROM events"));
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) last_event_id = stmt.ColumnInt(0);
  }
  std::unique_ptr<SqliteConnection> reader;
  if (!in_memory) {
    SqliteConnection::Options options;
    options.read_only = true;
    KELOLA_ASSIGN_OR_RETURN(reader, SqliteConnection::Open(path, options));
  }
  return std::unique_ptr<Store>(new SqliteStore(clock, std::move(writer), std::move(reader), last_event_id));
}

Status CheckSqliteStoreIntegrity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFoundError("SQLite database " + path + " does not exist");
  SqliteConnection::Options options;
  options.read_only = true;
  KELOLA_ASSIGN_OR_RETURN(auto db, SqliteConnection::Open(path, options));
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db->Prepare("PRAGMA integrity_check"));
  std::string report;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (!report.empty()) report += "; ";
    report += stmt.ColumnText(0);
  }
  if (report == "ok") return OkStatus();
  return DataLossError("SQLite database " + path + " failed its integrity check: " + report);
}

}  // namespace kelola
