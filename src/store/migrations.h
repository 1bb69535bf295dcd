// Schema migrations: numbered SQL scripts applied in order, each exactly once.
//
// Applied versions are recorded in a `schema_migrations` table. Each pending
// migration runs in its own IMMEDIATE transaction together with its record, so
// a crash mid-way leaves the schema at the previous version, never half-done,
// and two processes opening the same file at once cannot apply one twice.
// Migrations are append-only: never edit or renumber a released one.
//
// Thread-safety: none (runs on the connection's owner thread at open time).
// Errors: FailedPrecondition when the database has a version this binary does
// not know (it was written by a newer kelola), InvalidArgument when the list
// itself is malformed, or the SQLite error of the failing script.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

class SqliteConnection;

struct Migration {
  int version;       // 1, 2, 3, ... without gaps
  std::string name;  // short description, stored alongside the version
  std::string sql;   // one or more statements
};

// What the runner needs of a database: each backend's SQL for the
// `schema_migrations` table. The order and the checks are RunMigrations'.
class MigrationTarget {
 public:
  virtual ~MigrationTarget() = default;
  // The database as named in errors (a path, a URL without its password).
  virtual std::string Describe() const = 0;
  // Creates `schema_migrations` (version, name, applied_at) if missing.
  virtual Status CreateMigrationTable() = 0;
  // The highest recorded version, 0 for none.
  virtual Result<int64_t> MaxAppliedVersion() = 0;
  // Runs the script and records it with applied_at = clock.Now(), in one
  // transaction (nothing when another process recorded it meanwhile).
  virtual Status ApplyAndRecord(const Migration& migration, Clock& clock) = 0;
};

// Checks the list (versions 1, 2, 3, ...), then applies in order every
// migration newer than what `target` has recorded. Returns the schema version
// afterwards. Errors as described at the top.
Result<int> RunMigrations(MigrationTarget& target, const std::vector<Migration>& migrations, Clock& clock);

// Applies every migration whose version is not yet recorded. Returns the
// schema version afterwards.
Result<int> ApplyMigrations(SqliteConnection& connection, const std::vector<Migration>& migrations, Clock& clock);

// The schema of the SQLite store (resources, events, tokens, leases).
const std::vector<Migration>& SqliteStoreMigrations();

}  // namespace kelola
