#include "store/postgres_pipeline_tables.h"

namespace kelola {
namespace {

std::string Num(int64_t n) { return std::to_string(n); }
WallTime FromMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

constexpr const char* kInboxColumns =
    "source, delivery_id, event, pipelines, payload, seq, received_at, processed, outcome";
constexpr const char* kRunColumns = "id, pipeline, status, data, seq, version, created_at, updated_at";

InboxEntry InboxFromRow(const PgResult& rows, int i) {
  InboxEntry e;
  e.source = rows.Text(i, 0);
  e.delivery_id = rows.Text(i, 1);
  e.event = rows.Text(i, 2);
  e.pipelines_json = rows.Text(i, 3);
  e.payload = rows.Text(i, 4);
  e.seq = rows.Int(i, 5);
  e.received_at = FromMillis(rows.Int(i, 6));
  e.processed = rows.Text(i, 7) == "t";
  e.outcome = rows.Text(i, 8);
  return e;
}

RunRecord RunFromRow(const PgResult& rows, int i) {
  RunRecord r;
  r.id = rows.Text(i, 0);
  r.pipeline = rows.Text(i, 1);
  r.status = rows.Text(i, 2);
  r.data_json = rows.Text(i, 3);
  r.seq = rows.Int(i, 4);
  r.version = rows.Int(i, 5);
  r.created_at = FromMillis(rows.Int(i, 6));
  r.updated_at = FromMillis(rows.Int(i, 7));
  return r;
}

}  // namespace

Result<std::optional<int64_t>> PgInsertInbox(PgConnection& conn, const InboxEntry& e) {
  static const std::string sql =
      "INSERT INTO webhook_inbox (source, delivery_id, event, pipelines, payload, received_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, delivery_id) DO NOTHING RETURNING seq";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql, {e.source, e.delivery_id, e.event, e.pipelines_json, e.payload,
                                                         Num(UnixMillis(e.received_at))}));
  if (rows.rows() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.Int(0, 0));
}

Result<std::optional<InboxEntry>> PgFindInbox(PgConnection& conn, const std::string& source,
                                              const std::string& delivery_id) {
  static const std::string sql =
      std::string("SELECT ") + kInboxColumns + " FROM webhook_inbox WHERE source = $1 AND delivery_id = $2";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql, {source, delivery_id}));
  if (rows.rows() == 0) return std::optional<InboxEntry>();
  return std::optional<InboxEntry>(InboxFromRow(rows, 0));
}

Result<std::vector<InboxEntry>> PgListInbox(PgConnection& conn, const InboxFilter& filter, int limit) {
  static const std::string sql = std::string("SELECT ") + kInboxColumns +
                                 " FROM webhook_inbox WHERE seq > $1 AND (NOT $2::boolean OR NOT processed) "
                                 "ORDER BY seq LIMIT $3";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows,
                          conn.Exec(sql, {Num(filter.after_seq), filter.pending_only ? "true" : "false", Num(limit)}));
  std::vector<InboxEntry> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back(InboxFromRow(rows, i));
  return out;
}

Result<bool> PgMarkInbox(PgConnection& conn, const std::string& source, const std::string& delivery_id,
                         const std::string& outcome) {
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec("UPDATE webhook_inbox SET processed = true, outcome = $1 "
                                                   "WHERE source = $2 AND delivery_id = $3 RETURNING 1",
                                                   {outcome, source, delivery_id}));
  return rows.rows() == 1;
}

Result<std::optional<int64_t>> PgInsertRun(PgConnection& conn, const RunRecord& r) {
  static const std::string sql =
      "INSERT INTO runs (id, pipeline, status, data, version, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING seq";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows,
                          conn.Exec(sql, {r.id, r.pipeline, r.status, r.data_json, Num(r.version),
                                          Num(UnixMillis(r.created_at)), Num(UnixMillis(r.updated_at))}));
  if (rows.rows() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.Int(0, 0));
}

Result<std::optional<RunRecord>> PgFindRun(PgConnection& conn, const std::string& id, bool for_update) {
  static const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = $1";
  static const std::string locked = sql + " FOR UPDATE";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(for_update ? locked : sql, {id}));
  if (rows.rows() == 0) return std::optional<RunRecord>();
  return std::optional<RunRecord>(RunFromRow(rows, 0));
}

Status PgUpdateRun(PgConnection& conn, const RunRecord& r) {
  return conn
      .Exec("UPDATE runs SET pipeline = $1, status = $2, data = $3, version = $4, updated_at = $5 WHERE id = $6",
            {r.pipeline, r.status, r.data_json, Num(r.version), Num(UnixMillis(r.updated_at)), r.id})
      .status();
}

Result<std::vector<RunRecord>> PgListRuns(PgConnection& conn, const RunFilter& filter, int limit) {
  static const std::string where = std::string("SELECT ") + kRunColumns +
                                   " FROM runs WHERE ($1 = '' OR pipeline = $1) AND ($2 = '' OR status = $2) "
                                   "AND seq > $3 AND ($4 = 0 OR seq < $4) ";
  static const std::string oldest = where + "ORDER BY seq ASC LIMIT $5";
  static const std::string newest = where + "ORDER BY seq DESC LIMIT $5";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(filter.oldest_first ? oldest : newest,
                                                   {filter.pipeline, filter.status, Num(filter.after_seq),
                                                    Num(filter.before_seq), Num(limit)}));
  std::vector<RunRecord> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back(RunFromRow(rows, i));
  return out;
}

}  // namespace kelola
