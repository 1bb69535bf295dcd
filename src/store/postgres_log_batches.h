// PgLogBatchTable: the LogBatchTable on PostgreSQL (table `log_batches`,
// created by migration 3 of postgres_schema.cc), for replicas sharing one
// database.
//
// - Insert is one statement: it bumps the `log_batch_id` counter row (whose
//   lock is held until the commit, so ids become visible in commit order,
//   without holes) and inserts the row; a trigger NOTIFYs
//   `kelola_log_batches` with the id. A connection that breaks before the
//   answer arrives gives Unavailable: the batch may or may not be stored, and
//   the caller does not acknowledge it (a retry is deduplicated downstream).
// - Payloads travel as hex text (bytea's text form): twice the bytes on the
//   wire, no binary protocol handling.
// - WaitForInsert LISTENs on a connection of its own, (re)connecting as
//   needed; while PostgreSQL is down it just waits out the timeout.
// - DeleteOlderThan locks the lease row FOR SHARE and checks the fencing
//   token in the same transaction, like a fenced Store write.
//
// Thread-safety: all methods are thread-safe; one WaitForInsert at a time.
#pragma once

#include <memory>
#include <string>

#include "store/log_batch_table.h"

namespace kelola {

// Opens a small pool on `url` and applies the store's migrations (once,
// under the migration lock) so the table exists.
Result<std::unique_ptr<LogBatchTable>> OpenPostgresLogBatchTable(const std::string& url, Clock& clock,
                                                                 int pool_size = 4);

}  // namespace kelola
