#include "store/migrations.h"

#include "store/sqlite_connection.h"

namespace kelola {

namespace {

Status ValidateMigrations(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return InvalidArgumentError("migration #" + std::to_string(i) + " (" + migrations[i].name + ") has version " +
                                  std::to_string(migrations[i].version) + ", expected " + std::to_string(i + 1) +
                                  ": versions must run 1, 2, 3, ... without gaps");
    }
  }
  return OkStatus();
}

Result<bool> IsApplied(SqliteConnection& connection, int version) {
  KELOLA_ASSIGN_OR_RETURN(auto stmt, connection.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
  stmt.BindInt(1, version);
  return stmt.Step();
}

class SqliteMigrationTarget final : public MigrationTarget {
 public:
  explicit SqliteMigrationTarget(SqliteConnection& connection) : connection_(connection) {}

  std::string Describe() const override { return connection_.path(); }

  Status CreateMigrationTable() override {
    return connection_.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " applied_at INTEGER NOT NULL)");
  }

  Result<int64_t> MaxAppliedVersion() override {
    KELOLA_ASSIGN_OR_RETURN(auto stmt, connection_.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    return row ? stmt.ColumnInt(0) : 0;
  }

  Status ApplyAndRecord(const Migration& migration, Clock& clock) override {
    KELOLA_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::Begin(connection_));
    // Checked inside the write transaction: another process may have applied
    // it between our first look and taking the lock.
    KELOLA_ASSIGN_OR_RETURN(bool applied, IsApplied(connection_, migration.version));
    if (applied) return OkStatus();
    KELOLA_RETURN_IF_ERROR(connection_.Exec(migration.sql));
    {
      KELOLA_ASSIGN_OR_RETURN(auto insert, connection_.Prepare("INSERT INTO schema_migrations (version, name, "
                                                               "applied_at) VALUES (?, ?, ?)"));
      insert.BindInt(1, migration.version);
      insert.BindText(2, migration.name);
      insert.BindInt(3, UnixMillis(clock.Now()));
      KELOLA_RETURN_IF_ERROR(insert.Run());
    }
    return transaction.Commit();
  }

 private:
  SqliteConnection& connection_;
};

}  // namespace

Result<int> RunMigrations(MigrationTarget& target, const std::vector<Migration>& migrations, Clock& clock) {
  KELOLA_RETURN_IF_ERROR(ValidateMigrations(migrations));
  KELOLA_RETURN_IF_ERROR(target.CreateMigrationTable());
  KELOLA_ASSIGN_OR_RETURN(int64_t current, target.MaxAppliedVersion());
  const int known = static_cast<int>(migrations.size());
  if (current > known) {
    return FailedPreconditionError("database " + target.Describe() + " has schema version " + std::to_string(current) +
                                   " but this kelola knows only up to " + std::to_string(known) +
                                   ": it was written by a newer release");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    Status status = target.ApplyAndRecord(migration, clock);
    if (!status.ok()) {
      return status.WithContext("applying migration " + std::to_string(migration.version) + " (" + migration.name +
                                ")");
    }
  }
  return known;
}

Result<int> ApplyMigrations(SqliteConnection& connection, const std::vector<Migration>& migrations, Clock& clock) {
  SqliteMigrationTarget target(connection);
  return RunMigrations(target, migrations, clock);
}

const std::vector<Migration>& SqliteStoreMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "resources, events, tokens",
       R"sql(
CREATE TABLE resources (
  kind             TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  labels           TEXT    NOT NULL,  -- JSON object of strings
  spec             TEXT    NOT NULL,  -- JSON object, canonical form
  status           TEXT    NOT NULL,  -- JSON object, canonical form
  generation       INTEGER NOT NULL,
  resource_version INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,  -- Unix milliseconds
  updated_at       INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

-- One row: the store-wide resource version, bumped by every resource write.
CREATE TABLE resource_version_counter (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO resource_version_counter (id, value) VALUES (1, 0);

-- AUTOINCREMENT: ids are never reused, even after old events are pruned,
-- so followers resuming "after id N" never miss or repeat an event.
CREATE TABLE events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  time    INTEGER NOT NULL,
  type    TEXT    NOT NULL,
  subject TEXT    NOT NULL,
  actor   TEXT    NOT NULL,
  data    TEXT    NOT NULL
);
CREATE INDEX events_by_subject ON events (subject, id);

CREATE TABLE tokens (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL,
  role        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER,
  revoked     INTEGER NOT NULL DEFAULT 0
);
)sql"},
      {2, "leases",
       R"sql(
CREATE TABLE leases (
  name        TEXT    PRIMARY KEY,
  holder      TEXT    NOT NULL,  -- '' once released
  token       INTEGER NOT NULL,  -- fencing token
  acquired_at INTEGER NOT NULL,  -- Unix milliseconds
  renewed_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
      {3, "webhook inbox, pipeline runs",
       R"sql(
-- Forge deliveries as received; the unique key is the replay check, so rows
-- stay after they are processed.
CREATE TABLE webhook_inbox (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  source      TEXT    NOT NULL,
  delivery_id TEXT    NOT NULL,
  event       TEXT    NOT NULL,
  pipelines   TEXT    NOT NULL,  -- JSON array of Pipeline names
  payload     TEXT    NOT NULL,
  received_at INTEGER NOT NULL,  -- Unix milliseconds
  processed   INTEGER NOT NULL DEFAULT 0,
  outcome     TEXT    NOT NULL DEFAULT '',
  UNIQUE (source, delivery_id)
);
CREATE INDEX webhook_inbox_pending ON webhook_inbox (processed, seq);

CREATE TABLE runs (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- queue order
  id         TEXT    NOT NULL UNIQUE,
  pipeline   TEXT    NOT NULL,
  status     TEXT    NOT NULL,
  data       TEXT    NOT NULL,  -- JSON object, canonical form
  version    INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX runs_by_status ON runs (status, seq);
CREATE INDEX runs_by_pipeline ON runs (pipeline, seq);
)sql"},
  };
  return migrations;
}

}  // namespace kelola
