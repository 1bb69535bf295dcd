// The SQL of the SQLite store's `webhook_inbox` and `runs` tables (internal
// to src/store); the checks and event shapes are in pipeline_rules.h.
//
// Thread-safety: the caller holds the store's write lock (or read lock for
// reads). Errors: the SQLite error of the failing statement.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/sqlite_connection.h"
#include "store/store.h"

namespace kelola {

Result<std::optional<InboxEntry>> SqliteFindInbox(SqliteConnection& db, const std::string& source,
                                                  const std::string& delivery_id);
// Inserts the entry and returns its seq.
Result<int64_t> SqliteInsertInbox(SqliteConnection& db, const InboxEntry& entry);
Result<std::vector<InboxEntry>> SqliteListInbox(SqliteConnection& db, const InboxFilter& filter, int limit);
// false when there is no such entry.
Result<bool> SqliteMarkInbox(SqliteConnection& db, const std::string& source, const std::string& delivery_id,
                             const std::string& outcome);

Result<std::optional<RunRecord>> SqliteFindRun(SqliteConnection& db, const std::string& id);
// Inserts the run and returns its seq.
Result<int64_t> SqliteInsertRun(SqliteConnection& db, const RunRecord& run);
Status SqliteUpdateRun(SqliteConnection& db, const RunRecord& run);
Result<std::vector<RunRecord>> SqliteListRuns(SqliteConnection& db, const RunFilter& filter, int limit);

}  // namespace kelola
