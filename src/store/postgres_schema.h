// The PostgreSQL store's schema and its migration runner (internal).
//
// Migrations are numbered scripts (the Migration struct of migrations.h),
// each applied once in its own transaction together with its row in
// `schema_migrations`. The whole run holds a session advisory lock, so
// replicas starting together apply each migration exactly once; the others
// wait, then find nothing to do. Append-only: never edit a released one.
//
// Errors: FailedPrecondition when the database has a schema version this
// binary does not know (a newer kelola wrote it); the failing statement's
// error otherwise.
#pragma once

#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/migrations.h"
#include "store/postgres_connection.h"

namespace kelola {

const std::vector<Migration>& PostgresStoreMigrations();

// Applies pending migrations on `conn` (a connection of its own: the lock is
// released by closing it too). Returns the schema version afterwards.
Result<int> ApplyPostgresMigrations(PgConnection& conn, const std::vector<Migration>& migrations, Clock& clock);

}  // namespace kelola
