#include "store/sqlite_pipeline_tables.h"

namespace kelola {
namespace {

WallTime FromMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

constexpr const char* kInboxColumns =
    "SELECT source, delivery_id, event, pipelines, payload, seq, received_at, processed, outcome FROM webhook_inbox ";

InboxEntry ReadInboxRow(const SqliteStatement& row) {
  InboxEntry e;
  e.source = row.ColumnText(0);
  e.delivery_id = row.ColumnText(1);
  e.event = row.ColumnText(2);
  e.pipelines_json = row.ColumnText(3);
  e.payload = row.ColumnText(4);
  e.seq = row.ColumnInt(5);
  e.received_at = FromMillis(row.ColumnInt(6));
  e.processed = row.ColumnInt(7) != 0;
  e.outcome = row.ColumnText(8);
  return e;
}

RunRecord ReadRunRow(const SqliteStatement& row) {
  RunRecord r;
  r.id = row.ColumnText(0);
  r.pipeline = row.ColumnText(1);
  r.status = row.ColumnText(2);
  r.data_json = row.ColumnText(3);
  r.seq = row.ColumnInt(4);
  r.version = row.ColumnInt(5);
  r.created_at = FromMillis(row.ColumnInt(6));
  r.updated_at = FromMillis(row.ColumnInt(7));
  return r;
}

}  // namespace

Result<std::optional<InboxEntry>> SqliteFindInbox(SqliteConnection& db, const std::string& source,
                                                  const std::string& delivery_id) {
  static const std::string sql = std::string(kInboxColumns) + "WHERE source = ? AND delivery_id = ?";
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql.c_str()));
  stmt.BindText(1, source);
  stmt.BindText(2, delivery_id);
  KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<InboxEntry>();
  return std::optional<InboxEntry>(ReadInboxRow(stmt));
}

Result<int64_t> SqliteInsertInbox(SqliteConnection& db, const InboxEntry& entry) {
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO webhook_inbox (source, delivery_id, event, pipelines, "
                                                "payload, received_at, processed, outcome) "
                                                "VALUES (?, ?, ?, ?, ?, ?, 0, '') RETURNING seq"));
  stmt.BindText(1, entry.source);
  stmt.BindText(2, entry.delivery_id);
  stmt.BindText(3, entry.event);
  stmt.BindText(4, entry.pipelines_json);
  stmt.BindText(5, entry.payload);
  stmt.BindInt(6, UnixMillis(entry.received_at));
  KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return InternalError("INSERT INTO webhook_inbox returned no seq");
  int64_t seq = stmt.ColumnInt(0);
  KELOLA_RETURN_IF_ERROR(stmt.Run());
  return seq;
}

Result<std::vector<InboxEntry>> SqliteListInbox(SqliteConnection& db, const InboxFilter& filter, int limit) {
  static const std::string sql =
      std::string(kInboxColumns) + "WHERE seq > ?1 AND (?2 = 0 OR processed = 0) ORDER BY seq LIMIT ?3";
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql.c_str()));
  stmt.BindInt(1, filter.after_seq);
  stmt.BindInt(2, filter.pending_only ? 1 : 0);
  stmt.BindInt(3, limit);
  std::vector<InboxEntry> out;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(ReadInboxRow(stmt));
  }
}

Result<bool> SqliteMarkInbox(SqliteConnection& db, const std::string& source, const std::string& delivery_id,
                             const std::string& outcome) {
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE webhook_inbox SET processed = 1, outcome = ? "
                                                "WHERE source = ? AND delivery_id = ? RETURNING 1"));
  stmt.BindText(1, outcome);
  stmt.BindText(2, source);
  stmt.BindText(3, delivery_id);
  KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  KELOLA_RETURN_IF_ERROR(stmt.Run());
  return row;
}

namespace {
constexpr const char* kRunColumns =
    "SELECT id, pipeline, status, data, seq, version, created_at, updated_at FROM runs ";
}  // namespace

Result<std::optional<RunRecord>> SqliteFindRun(SqliteConnection& db, const std::string& id) {
  static const std::string sql = std::string(kRunColumns) + "WHERE id = ?";
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql.c_str()));
  stmt.BindText(1, id);
  KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<RunRecord>();
  return std::optional<RunRecord>(ReadRunRow(stmt));
}

Result<int64_t> SqliteInsertRun(SqliteConnection& db, const RunRecord& run) {
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO runs (id, pipeline, status, data, version, created_at, "
                                                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq"));
  stmt.BindText(1, run.id);
  stmt.BindText(2, run.pipeline);
  stmt.BindText(3, run.status);
  stmt.BindText(4, run.data_json);
  stmt.BindInt(5, run.version);
  stmt.BindInt(6, UnixMillis(run.created_at));
  stmt.BindInt(7, UnixMillis(run.updated_at));
  KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return InternalError("INSERT INTO runs returned no seq");
  int64_t seq = stmt.ColumnInt(0);
  KELOLA_RETURN_IF_ERROR(stmt.Run());
  return seq;
}

Status SqliteUpdateRun(SqliteConnection& db, const RunRecord& run) {
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE runs SET pipeline = ?, status = ?, data = ?, version = ?, "
                                                "updated_at = ? WHERE id = ?"));
  stmt.BindText(1, run.pipeline);
  stmt.BindText(2, run.status);
  stmt.BindText(3, run.data_json);
  stmt.BindInt(4, run.version);
  stmt.BindInt(5, UnixMillis(run.updated_at));
  stmt.BindText(6, run.id);
  return stmt.Run();
}

Result<std::vector<RunRecord>> SqliteListRuns(SqliteConnection& db, const RunFilter& filter, int limit) {
  static const std::string where =
      "WHERE (?1 = '' OR pipeline = ?1) AND (?2 = '' OR status = ?2) AND seq > ?3 AND (?4 = 0 OR seq < ?4) ";
  static const std::string oldest = std::string(kRunColumns) + where + "ORDER BY seq ASC LIMIT ?5";
  static const std::string newest = std::string(kRunColumns) + where + "ORDER BY seq DESC LIMIT ?5";
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(filter.oldest_first ? oldest.c_str() : newest.c_str()));
  stmt.BindText(1, filter.pipeline);
  stmt.BindText(2, filter.status);
  stmt.BindInt(3, filter.after_seq);
  stmt.BindInt(4, filter.before_seq);
  stmt.BindInt(5, limit);
  std::vector<RunRecord> out;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(ReadRunRow(stmt));
  }
}

}  // namespace kelola
