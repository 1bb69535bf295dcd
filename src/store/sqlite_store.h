// SqliteStore: the embedded Store on one SQLite file (OpenSqliteStore() in
// store.h creates it). This header adds what only the SQLite backend has.
//
// Durability: WAL journal with synchronous=NORMAL. A committed write survives
// the kelola process crashing or being killed at any point; after a power loss
// or kernel crash the last few commits may be rolled back, never corrupted.
// One kelola process owns the file: two servers on one SQLite file is not a
// supported deployment (use PostgreSQL for several replicas).
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <string>

#include "base/status.h"

namespace kelola {

// Runs SQLite's PRAGMA integrity_check on the file at `path`. OK when the
// database is intact; DataLoss carrying SQLite's report when it is not;
// NotFound/Unavailable when it cannot be opened. For `kelola doctor`-style
// checks and the crash-safety tests.
Status CheckSqliteStoreIntegrity(const std::string& path);

}  // namespace kelola
