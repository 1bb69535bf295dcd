// The SQL of the SQLite store's `leases` table (internal to src/store): the
// lease decisions themselves are in lease_rules.h, shared with PostgreSQL.
//
// Thread-safety: the caller holds the store's write lock (or read lock for
// listing). Errors: the SQLite error of the failing statement.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/sqlite_connection.h"
#include "store/store.h"

namespace kelola {

Result<std::optional<Lease>> SqliteFindLease(SqliteConnection& db, const std::string& name);
// Inserts or replaces the row of `lease.name`.
Status SqliteWriteLease(SqliteConnection& db, const Lease& lease);
Result<std::vector<Lease>> SqliteListLeases(SqliteConnection& db);

}  // namespace kelola
