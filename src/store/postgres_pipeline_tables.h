// The SQL of the PostgreSQL store's `webhook_inbox` and `runs` tables
// (internal to src/store); checks and event shapes are in pipeline_rules.h.
//
// Every function runs on the caller's connection, inside the caller's
// transaction when there is one, and returns PgConnection::Exec's errors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/postgres_connection.h"
#include "store/store.h"

namespace kelola {

// Inserts the entry unless (source, delivery_id) exists (a concurrent insert
// of the same key waits for the other transaction): the seq, or nullopt.
Result<std::optional<int64_t>> PgInsertInbox(PgConnection& conn, const InboxEntry& entry);
Result<std::optional<InboxEntry>> PgFindInbox(PgConnection& conn, const std::string& source,
                                              const std::string& delivery_id);
Result<std::vector<InboxEntry>> PgListInbox(PgConnection& conn, const InboxFilter& filter, int limit);
// false when there is no such entry.
Result<bool> PgMarkInbox(PgConnection& conn, const std::string& source, const std::string& delivery_id,
                         const std::string& outcome);

// Inserts the run unless its id exists: the seq, or nullopt.
Result<std::optional<int64_t>> PgInsertRun(PgConnection& conn, const RunRecord& run);
// Reads a run; with `for_update` locks its row until the transaction ends.
Result<std::optional<RunRecord>> PgFindRun(PgConnection& conn, const std::string& id, bool for_update);
Status PgUpdateRun(PgConnection& conn, const RunRecord& run);
Result<std::vector<RunRecord>> PgListRuns(PgConnection& conn, const RunFilter& filter, int limit);

}  // namespace kelola
