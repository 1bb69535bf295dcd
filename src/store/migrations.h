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

// Applies every migration whose version is not yet recorded. Returns the
// schema version afterwards.
Result<int> ApplyMigrations(SqliteConnection& connection, const std::vector<Migration>& migrations, Clock& clock);

// The schema of the SQLite store (resources, events, tokens, leases).
const std::vector<Migration>& SqliteStoreMigrations();

}  // namespace kelola
