// Store: the control plane's durable state behind one interface.
//
// Four things live here: resources (versioned declarative documents shaped
// like Kubernetes objects), the append-only event log (audit trail, change
// feed for controllers and `GET /v1/events?follow=1`), API tokens (only
// their hashes), and leases (leader election between server replicas, with
// fencing tokens). SqliteStore is the embedded implementation; PostgresStore
// serves several replicas; both pass one conformance suite
// (store_conformance.h).
//
// Thread-safety: every method may be called from any thread concurrently.
// Errors: NotFound (no such resource/token), Aborted (resourceVersion
// precondition failed: the API maps it to 409; or a lease held by another),
// AlreadyExists (create of an existing name), FailedPrecondition (a write's
// fencing token is no longer the lease's current one: the writer lost its
// leadership), InvalidArgument (bad input), Unavailable/Internal (the
// database failed; nothing was written, except that Unavailable from a
// lost connection during commit leaves the outcome unknown).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

struct Resource {
  std::string kind;  // "Host", "Secret", ...
  std::string name;  // unique within kind
  std::map<std::string, std::string> labels;
  std::string spec_json = "{}";    // the desired state, a JSON object
  std::string status_json = "{}";  // the observed state, a JSON object
  int64_t generation = 0;          // bumped when spec changes
  int64_t resource_version = 0;    // store-wide counter, bumped on every write
  WallTime created_at{};
  WallTime updated_at{};
};

// A label selector in its parsed form: every requirement must hold.
struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kExists, kNotExists, kIn, kNotIn };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;  // one for kEquals/kNotEquals, several for kIn/kNotIn
};

struct ListOptions {
  std::string kind;
  std::vector<LabelRequirement> selector;
  std::string after_name;  // pagination: names strictly greater than this
  int limit = 0;           // 0 = no limit
};

struct ListResult {
  std::vector<Resource> items;  // sorted by name
  std::string next_after;       // non-empty when more items follow: pass as after_name
};

// A lease: the right to act as the single leader for `name` (one controller,
// say) until `expires_at`, unless renewed. Times are the store's clock.
struct Lease {
  std::string name;    // "controller/hosts"
  std::string holder;  // who holds it ("host:pid:nonce"); "" once released
  // Fencing token: grows by one every time the lease changes hands (or is
  // taken again after expiring or being released), never otherwise.
  int64_t token = 0;
  WallTime acquired_at{};
  WallTime renewed_at{};
  WallTime expires_at{};
};

// Attached to a write: it commits only if lease `lease` exists, is held (not
// released) and its current token is `token`, checked in the write's own
// transaction. A leader that was paused past its lease and replaced can
// therefore not overwrite its successor's work: its writes fail with
// FailedPrecondition.
struct LeaseFence {
  std::string lease;
  int64_t token = 0;
};

struct PutOptions {
  // When set, the write succeeds only if the stored resource_version equals
  // this value (0 means "must not exist yet"). Otherwise Aborted.
  std::optional<int64_t> expected_resource_version;
  // Update status only; spec, labels and generation are kept.
  bool status_only = false;
  std::string actor;  // who made the change, recorded in the change event
  std::optional<LeaseFence> fence;
};

struct DeleteOptions {
  std::optional<int64_t> expected_resource_version;  // as in PutOptions
  std::string actor;
  std::optional<LeaseFence> fence;
};

struct Event {
  int64_t id = 0;  // strictly increasing, assigned by the store
  WallTime time{};
  std::string type;     // "resource.created", "audit.token.created", ...
  std::string subject;  // "Host/web-1", "token/abc", ...
  std::string actor;    // token name, "system", controller name
  std::string data_json = "{}";
};

struct EventFilter {
  int64_t after_id = 0;
  std::string type_prefix;  // "" matches all
  std::string subject;      // "" matches all; else exact match
  int limit = 1000;
};

struct ApiToken {
  std::string id;           // public part, shown in listings
  std::string name;         // human label
  std::string role;         // "admin" | "operator" | "viewer"
  std::string secret_hash;  // hex SHA-256 of the secret part; the secret is never stored
  WallTime created_at{};
  std::optional<WallTime> expires_at;
  bool revoked = false;
};

// A forge webhook delivery as received (the durable inbox). The pair
// (source, delivery_id) is unique: adding it again is the replay check.
struct InboxEntry {
  std::string source;                 // "github" | "gitlab"
  std::string delivery_id;            // the forge's delivery id
  std::string event;                  // the forge's event name ("push", "Push Hook")
  std::string pipelines_json = "[]";  // JSON array of the Pipeline names it authenticated for
  std::string payload;                // the raw body
  int64_t seq = 0;                    // arrival order, assigned by the store
  WallTime received_at{};             // assigned by the store
  bool processed = false;
  std::string outcome;  // what the consumer did, once processed
};

struct InboxFilter {
  bool pending_only = true;
  int64_t after_seq = 0;
  int limit = 100;  // <= 0 means 100; at most 1000
};

// A pipeline run as the store keeps it: the queue columns plus the rest of
// the run as a JSON object (src/pipeline/run.h gives it its shape).
struct RunRecord {
  std::string id;
  std::string pipeline;
  std::string status;            // "queued", "running", ...
  std::string data_json = "{}";  // a JSON object
  int64_t seq = 0;               // queue order, assigned by CreateRun
  int64_t version = 0;           // 1 on create, bumped by every update
  WallTime created_at{};
  WallTime updated_at{};
};

struct RunFilter {
  std::string pipeline;  // "" = all
  std::string status;    // "" = all
  // Oldest first (queue order, seq > after_seq) or newest first (seq <
  // before_seq when set).
  bool oldest_first = false;
  int64_t after_seq = 0;
  int64_t before_seq = 0;  // 0 = no bound
  int limit = 100;         // <= 0 means 100; at most 1000
};

class Store {
 public:
  virtual ~Store() = default;

  // Resources. Put creates or updates and appends a "resource.created" or
  // "resource.updated" event in the same transaction; Delete appends
  // "resource.deleted". Put sets generation, resource_version and the times.
  // Without status_only, Put writes labels, spec and status as given. A Put
  // that changes nothing (JSON compared canonically) returns the stored
  // resource as is: no new resource_version, no event, so a controller that
  // re-writes the same status does not wake itself. ListOptions.kind is
  // required. Event data of change events:
  // {"kind","name","resourceVersion","generation"}.
  virtual Result<Resource> GetResource(const std::string& kind, const std::string& name) = 0;
  virtual Result<ListResult> ListResources(const ListOptions& options) = 0;
  virtual Result<Resource> PutResource(const Resource& resource, const PutOptions& options) = 0;
  virtual Status DeleteResource(const std::string& kind, const std::string& name, const DeleteOptions& options) = 0;
  Status DeleteResource(const std::string& kind, const std::string& name,
                        std::optional<int64_t> expected_resource_version, const std::string& actor) {
    return DeleteResource(kind, name, DeleteOptions{expected_resource_version, actor, std::nullopt});
  }

  // Event log. AppendEvent assigns the id, and the time when event.time is
  // unset (epoch); times are kept to the millisecond. data_json must be a
  // JSON object. ListEvents returns events in id order; limit <= 0 means
  // 1000, and at most 10000 are returned.
  virtual Result<Event> AppendEvent(const Event& event) = 0;
  virtual Result<std::vector<Event>> ListEvents(const EventFilter& filter) = 0;
  // The newest event id this store instance knows to be committed: its own
  // writes at once, other replicas' writes once their notification arrived.
  // Cheap (no database round trip).
  virtual int64_t LastEventId() = 0;
  // Calls `fn` (on the writer's thread, after commit) for each appended
  // event, including the change events of resource writes. Returns a handle;
  // the subscription ends when the handle is destroyed. `fn` must be quick.
  // Delivery is in id order, of events committed after Subscribe returned,
  // with no store lock held: `fn` may call the store (even write) and may
  // destroy its own handle. Once the handle is destroyed, `fn` is not called
  // again (destruction waits for a call running on another thread). With a
  // shared database (PostgreSQL) events written by other processes are
  // delivered too, in the same single id order, on a notification thread.
  class Subscription {
   public:
    virtual ~Subscription() = default;
  };
  virtual std::unique_ptr<Subscription> Subscribe(std::function<void(const Event&)> fn) = 0;

  // API tokens.
  virtual Status CreateToken(const ApiToken& token) = 0;
  virtual Result<ApiToken> GetToken(const std::string& id) = 0;
  virtual Result<std::vector<ApiToken>> ListTokens() = 0;
  virtual Status RevokeToken(const std::string& id) = 0;

  // Leases. TryAcquireLease takes the lease when it does not exist, was
  // released or has expired (token + 1), or extends it when `holder`
  // already holds it unexpired (same token); otherwise Aborted naming the
  // holder. RenewLease extends the lease while `holder` still holds it with
  // `token` (even just after expiry, as long as nobody took it over: the
  // token proves nobody else acted); otherwise FailedPrecondition (NotFound
  // when the lease never existed). ReleaseLease gives it up at once, so
  // another replica need not wait for expiry; same errors as RenewLease.
  // Durations are at least 1 ms; times are kept to the millisecond. Taking
  // a lease over and releasing it append "lease.acquired" and
  // "lease.released" events (subject "lease/NAME"); renewals append none.
  virtual Result<Lease> TryAcquireLease(const std::string& name, const std::string& holder, Duration duration) = 0;
  virtual Result<Lease> RenewLease(const std::string& name, const std::string& holder, int64_t token,
                                   Duration duration) = 0;
  virtual Status ReleaseLease(const std::string& name, const std::string& holder, int64_t token) = 0;
  // Every lease ever taken, by name; expired and released ones included.
  virtual Result<std::vector<Lease>> ListLeases() = 0;
  // For a controller's actions outside the store (a call to GitHub, say),
  // made just before each one: OK when the caller may act. A plain store has
  // no leader and says OK; a FencedStore (engine/fenced_store.h) says
  // FailedPrecondition unless this replica leads and the stored lease still
  // carries its fencing token. Unlike a fenced write this check is not in
  // the action's transaction (GitHub has none): it shrinks a paused former
  // leader's window to the instant between the check and the call.
  virtual Status ConfirmLeadership() { return OkStatus(); }

  // Webhook inbox. AddInboxEntry stores the delivery and, in the same
  // transaction, appends a "webhook.received" event (subject
  // "webhook/SOURCE/DELIVERY_ID", data {"source","delivery","event","seq"});
  // it returns false and writes nothing when (source, delivery_id) is
  // already there: a replayed delivery. Entries stay after processing (the
  // replay check needs them). ListInbox returns entries in seq order.
  virtual Result<bool> AddInboxEntry(const InboxEntry& entry) = 0;
  virtual Result<InboxEntry> GetInboxEntry(const std::string& source, const std::string& delivery_id) = 0;
  virtual Result<std::vector<InboxEntry>> ListInbox(const InboxFilter& filter) = 0;
  virtual Status MarkInboxProcessed(const std::string& source, const std::string& delivery_id,
                                    const std::string& outcome) = 0;

  // Pipeline runs. CreateRun assigns seq, version 1 and the times, and
  // appends "run.created" (subject "run/ID", data {"id","pipeline","status"});
  // AlreadyExists when the id is taken. UpdateRun writes pipeline, status and
  // data when the stored version equals `expected_version` (else Aborted),
  // bumps the version and appends "run.updated" (data also has "version").
  virtual Result<RunRecord> CreateRun(const RunRecord& run) = 0;
  virtual Result<RunRecord> GetRun(const std::string& id) = 0;
  virtual Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) = 0;
  virtual Result<RunRecord> UpdateRun(const RunRecord& run, int64_t expected_version) = 0;
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode and
// runs pending migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, Clock& clock);

// Connects to PostgreSQL at `url` ("postgresql://user@host:5432/kelola", or
// any libpq connection string) and runs pending migrations, once across
// replicas (under an advisory lock). Several processes may open the same
// database: that is how server replicas share state. See postgres_store.h.
// Unavailable when the server cannot be reached; InvalidArgument for a
// malformed URL.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, Clock& clock);

// Matches labels against a selector (shared by every implementation).
bool MatchesSelector(const std::map<std::string, std::string>& labels, const std::vector<LabelRequirement>& selector);

// Parses "app=web,tier!=db,env in (prod,staging),!legacy,team" into
// requirements. InvalidArgument names the offending position.
Result<std::vector<LabelRequirement>> ParseLabelSelector(const std::string& text);

}  // namespace kelola
