#include "store/postgres_schema.h"

namespace kelola {
namespace {

// pg_advisory_lock key: "kelola" in ASCII, so it is recognisable in pg_locks.
constexpr const char* kMigrationLockKey = "118083355110497";

class PgMigrationTarget final : public MigrationTarget {
 public:
  explicit PgMigrationTarget(PgConnection& conn) : conn_(conn) {}

  std::string Describe() const override { return conn_.redacted_url(); }

  Status CreateMigrationTable() override {
    return conn_.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " applied_at BIGINT NOT NULL)");
  }

  Result<int64_t> MaxAppliedVersion() override {
    KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn_.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    return rows.Int(0, 0);
  }

  // No check for a concurrent apply: the advisory lock keeps other replicas
  // out for the whole run.
  Status ApplyAndRecord(const Migration& migration, Clock& clock) override {
    KELOLA_RETURN_IF_ERROR(conn_.Exec("BEGIN").status());
    Status status = conn_.ExecScript(migration.sql);
    if (status.ok()) {
      status = conn_
                   .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                         {std::to_string(migration.version), migration.name, std::to_string(UnixMillis(clock.Now()))})
                   .status();
    }
    if (status.ok()) status = conn_.Exec("COMMIT").status();
    if (!status.ok() && !conn_.broken()) (void)conn_.Exec("ROLLBACK");
    return status;
  }

 private:
  PgConnection& conn_;
};

}  // namespace

Result<int> ApplyPostgresMigrations(PgConnection& conn, const std::vector<Migration>& migrations, Clock& clock) {
  KELOLA_RETURN_IF_ERROR(conn.Exec("SELECT pg_advisory_lock($1)", {kMigrationLockKey}).status());
  PgMigrationTarget target(conn);
  Result<int> applied = RunMigrations(target, migrations, clock);
  if (!conn.broken()) (void)conn.Exec("SELECT pg_advisory_unlock($1)", {kMigrationLockKey});
  return applied;
}

const std::vector<Migration>& PostgresStoreMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "resources, events, tokens, leases",
       R"sql(
-- COLLATE "C": names sort and compare bytewise, as in SQLite, whatever the
-- database's locale.
CREATE TABLE resources (
  kind             TEXT COLLATE "C" NOT NULL,
  name             TEXT COLLATE "C" NOT NULL,
  labels           TEXT   NOT NULL,  -- JSON object of strings
  spec             TEXT   NOT NULL,  -- JSON object, canonical form
  status           TEXT   NOT NULL,  -- JSON object, canonical form
  generation       BIGINT NOT NULL,
  resource_version BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,  -- Unix milliseconds
  updated_at       BIGINT NOT NULL,
  PRIMARY KEY (kind, name)
);

-- 'resource_version': bumped by every resource write. 'event_id': the last
-- event id. Writers lock these rows until they commit, which serializes
-- resource writes and event appends across replicas: versions and event ids
-- become visible in the order they were assigned.
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('resource_version', 0), ('event_id', 0);

CREATE TABLE events (
  id      BIGINT PRIMARY KEY,
  time    BIGINT NOT NULL,
  type    TEXT COLLATE "C" NOT NULL,
  subject TEXT COLLATE "C" NOT NULL,
  actor   TEXT NOT NULL,
  data    TEXT NOT NULL
);
CREATE INDEX events_by_subject ON events (subject, id);

-- Every replica LISTENs on kelola_events and reads the new rows when told;
-- the payload is the event id, so a replica that already has it (its own
-- write) need not look.
CREATE FUNCTION kelola_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kelola_events', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION kelola_notify_events();

CREATE TABLE tokens (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT    NOT NULL,
  role        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,
  created_at  BIGINT  NOT NULL,
  expires_at  BIGINT,
  revoked     BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE leases (
  name        TEXT COLLATE "C" PRIMARY KEY,
  holder      TEXT   NOT NULL,  -- '' once released
  token       BIGINT NOT NULL,  -- fencing token
  acquired_at BIGINT NOT NULL,
  renewed_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
)sql"},
      {2, "webhook inbox, pipeline runs",
       R"sql(
CREATE TABLE webhook_inbox (
  seq         BIGSERIAL PRIMARY KEY,
  source      TEXT COLLATE "C" NOT NULL,
  delivery_id TEXT COLLATE "C" NOT NULL,
  event       TEXT    NOT NULL,
  pipelines   TEXT    NOT NULL,  -- JSON array of Pipeline names
  payload     TEXT    NOT NULL,
  received_at BIGINT  NOT NULL,  -- Unix milliseconds
  processed   BOOLEAN NOT NULL DEFAULT false,
  outcome     TEXT    NOT NULL DEFAULT '',
  UNIQUE (source, delivery_id)
);
CREATE INDEX webhook_inbox_pending ON webhook_inbox (processed, seq);

CREATE TABLE runs (
  seq        BIGSERIAL PRIMARY KEY,  -- queue order
  id         TEXT COLLATE "C" NOT NULL UNIQUE,
  pipeline   TEXT COLLATE "C" NOT NULL,
  status     TEXT COLLATE "C" NOT NULL,
  data       TEXT   NOT NULL,  -- JSON object, canonical form
  version    BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX runs_by_status ON runs (status, seq);
CREATE INDEX runs_by_pipeline ON runs (pipeline, seq);
)sql"},
      {3, "shared log batches",
       R"sql(
-- Every log batch a replica acknowledged, as an agent frame
-- (docs/formats/agent-frame.md); each replica applies them all to its own
-- log store (docs/operations.md). Ids come from the 'log_batch_id' counter
-- row, locked until the insert commits, so they become visible in commit
-- order and without holes: a follower reading "id > last" never skips one,
-- and a hole it does see was deleted by retention.
INSERT INTO counters (name, value) VALUES ('log_batch_id', 0);
CREATE TABLE log_batches (
  id          BIGINT PRIMARY KEY,
  received_at BIGINT NOT NULL,  -- Unix milliseconds
  origin      TEXT   NOT NULL,  -- the replica that received it
  agent       TEXT   NOT NULL,
  records     BIGINT NOT NULL,
  payload     BYTEA  NOT NULL
);
CREATE INDEX log_batches_by_time ON log_batches (received_at);
CREATE FUNCTION kelola_notify_log_batches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kelola_log_batches', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER log_batches_notify AFTER INSERT ON log_batches
  FOR EACH ROW EXECUTE FUNCTION kelola_notify_log_batches();
)sql"},
  };
  return migrations;
}

}  // namespace kelola
