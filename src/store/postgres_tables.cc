#include "store/postgres_tables.h"

#include "store/postgres_event_feed.h"
#include "store/resource_validation.h"

namespace kelola {
namespace {

std::string Num(int64_t n) { return std::to_string(n); }
std::string Millis(WallTime t) { return std::to_string(UnixMillis(t)); }
WallTime FromMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

constexpr const char* kResourceColumns =
    "kind, name, labels, spec, status, generation, resource_version, created_at, updated_at";
constexpr const char* kTokenColumns = "id, name, role, secret_hash, created_at, expires_at, revoked";
constexpr const char* kLeaseColumns = "name, holder, token, acquired_at, renewed_at, expires_at";

Result<Resource> ResourceFromRow(const PgResult& rows, int i) {
  Resource r;
  r.kind = rows.Text(i, 0);
  r.name = rows.Text(i, 1);
  KELOLA_ASSIGN_OR_RETURN(r.labels, LabelsFromJson(rows.Text(i, 2)));
  r.spec_json = rows.Text(i, 3);
  r.status_json = rows.Text(i, 4);
  r.generation = rows.Int(i, 5);
  r.resource_version = rows.Int(i, 6);
  r.created_at = FromMillis(rows.Int(i, 7));
  r.updated_at = FromMillis(rows.Int(i, 8));
  return r;
}

ApiToken TokenFromRow(const PgResult& rows, int i) {
  ApiToken t;
  t.id = rows.Text(i, 0);
  t.name = rows.Text(i, 1);
  t.role = rows.Text(i, 2);
  t.secret_hash = rows.Text(i, 3);
  t.created_at = FromMillis(rows.Int(i, 4));
  if (!rows.IsNull(i, 5)) t.expires_at = FromMillis(rows.Int(i, 5));
  t.revoked = rows.Text(i, 6) == "t";
  return t;
}

Lease LeaseFromRow(const PgResult& rows, int i) {
  Lease l;
  l.name = rows.Text(i, 0);
  l.holder = rows.Text(i, 1);
  l.token = rows.Int(i, 2);
  l.acquired_at = FromMillis(rows.Int(i, 3));
  l.renewed_at = FromMillis(rows.Int(i, 4));
  l.expires_at = FromMillis(rows.Int(i, 5));
  return l;
}

Result<int64_t> BumpCounter(PgConnection& conn, const char* name) {
  KELOLA_ASSIGN_OR_RETURN(PgResult rows,
                          conn.Exec("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value", {name}));
  if (rows.rows() != 1) return DataLossError(std::string("counters row '") + name + "' is missing");
  return rows.Int(0, 0);
}

}  // namespace

Result<std::optional<Resource>> PgFindResource(PgConnection& conn, const std::string& kind, const std::string& name) {
  static const std::string sql =
      std::string("SELECT ") + kResourceColumns + " FROM resources WHERE kind = $1 AND name = $2";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql, {kind, name}));
  if (rows.rows() == 0) return std::optional<Resource>();
  KELOLA_ASSIGN_OR_RETURN(Resource r, ResourceFromRow(rows, 0));
  return std::optional<Resource>(std::move(r));
}

Result<std::vector<Resource>> PgListResourcePage(PgConnection& conn, const std::string& kind,
                                                 const std::string& after_name, int limit) {
  static const std::string sql = std::string("SELECT ") + kResourceColumns +
                                 " FROM resources WHERE kind = $1 AND name > $2 ORDER BY name LIMIT $3";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql, {kind, after_name, Num(limit)}));
  std::vector<Resource> out;
  out.reserve(static_cast<size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    KELOLA_ASSIGN_OR_RETURN(Resource r, ResourceFromRow(rows, i));
    out.push_back(std::move(r));
  }
  return out;
}

Status PgUpsertResource(PgConnection& conn, const Resource& r) {
  static const std::string sql = std::string("INSERT INTO resources (") + kResourceColumns +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                                 "ON CONFLICT (kind, name) DO UPDATE SET labels = excluded.labels, "
                                 "spec = excluded.spec, status = excluded.status, generation = excluded.generation, "
                                 "resource_version = excluded.resource_version, updated_at = excluded.updated_at";
  return conn
      .Exec(sql, {r.kind, r.name, LabelsToJson(r.labels), r.spec_json, r.status_json, Num(r.generation),
                  Num(r.resource_version), Millis(r.created_at), Millis(r.updated_at)})
      .status();
}

Status PgDeleteResourceRow(PgConnection& conn, const std::string& kind, const std::string& name) {
  return conn.Exec("DELETE FROM resources WHERE kind = $1 AND name = $2", {kind, name}).status();
}

Result<int64_t> PgNextResourceVersion(PgConnection& conn) { return BumpCounter(conn, "resource_version"); }

Result<Event> PgInsertEvent(PgConnection& conn, Event event) {
  KELOLA_ASSIGN_OR_RETURN(event.id, BumpCounter(conn, "event_id"));
  KELOLA_RETURN_IF_ERROR(
      conn.Exec("INSERT INTO events (id, time, type, subject, actor, data) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                {Num(event.id), Millis(event.time), event.type, event.subject, event.actor, event.data_json})
          .status());
  return event;
}

Result<std::vector<Event>> PgListEvents(PgConnection& conn, const EventFilter& filter, int limit) {
  // Two statements so the subject filter can use its index.
  static const std::string all = std::string("SELECT ") + kPgEventColumns +
                                 " FROM events WHERE id > $1 AND ($2 = '' OR starts_with(type, $2)) "
                                 "ORDER BY id LIMIT $3";
  static const std::string by_subject = std::string("SELECT ") + kPgEventColumns +
                                        " FROM events WHERE subject = $4 AND id > $1 AND "
                                        "($2 = '' OR starts_with(type, $2)) ORDER BY id LIMIT $3";
  PgParams params = {Num(filter.after_id), filter.type_prefix, Num(limit)};
  if (!filter.subject.empty()) params.push_back(filter.subject);
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(filter.subject.empty() ? all : by_subject, params));
  std::vector<Event> events;
  events.reserve(static_cast<size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) events.push_back(PgEventFromRow(rows, i));
  return events;
}

Result<int64_t> PgLastEventId(PgConnection& conn) {
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec("SELECT value FROM counters WHERE name = 'event_id'"));
  if (rows.rows() != 1) return DataLossError("counters row 'event_id' is missing");
  return rows.Int(0, 0);
}

Result<bool> PgInsertToken(PgConnection& conn, const ApiToken& t, WallTime created_at) {
  static const std::string sql = std::string("INSERT INTO tokens (") + kTokenColumns +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING 1";
  std::optional<std::string> expires;
  if (t.expires_at.has_value()) expires = Millis(*t.expires_at);
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql, {t.id, t.name, t.role, t.secret_hash, Millis(created_at),
                                                         expires, t.revoked ? "true" : "false"}));
  return rows.rows() == 1;
}

Result<std::optional<ApiToken>> PgFindToken(PgConnection& conn, const std::string& id) {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE id = $1";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql, {id}));
  if (rows.rows() == 0) return std::optional<ApiToken>();
  return std::optional<ApiToken>(TokenFromRow(rows, 0));
}

Result<std::vector<ApiToken>> PgListTokens(PgConnection& conn) {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM tokens ORDER BY id";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql));
  std::vector<ApiToken> tokens;
  for (int i = 0; i < rows.rows(); ++i) tokens.push_back(TokenFromRow(rows, i));
  return tokens;
}

Result<bool> PgRevokeToken(PgConnection& conn, const std::string& id) {
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec("UPDATE tokens SET revoked = true WHERE id = $1 RETURNING 1", {id}));
  return rows.rows() == 1;
}

Result<std::optional<Lease>> PgLockLease(PgConnection& conn, const std::string& name, PgRowLock lock) {
  if (lock == PgRowLock::kUpdateOrCreate) {
    KELOLA_RETURN_IF_ERROR(conn.Exec("INSERT INTO leases (name, holder, token, acquired_at, renewed_at, expires_at) "
                                     "VALUES ($1, '', 0, 0, 0, 0) ON CONFLICT (name) DO NOTHING",
                                     {name})
                               .status());
  }
  static const std::string share =
      std::string("SELECT ") + kLeaseColumns + " FROM leases WHERE name = $1 AND token > 0 FOR SHARE";
  static const std::string update = std::string("SELECT ") + kLeaseColumns + " FROM leases WHERE name = $1 FOR UPDATE";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(lock == PgRowLock::kShare ? share : update, {name}));
  if (rows.rows() == 0) return std::optional<Lease>();
  Lease lease = LeaseFromRow(rows, 0);
  // A placeholder is "no lease yet" to the rules.
  if (lease.token == 0) return std::optional<Lease>();
  return std::optional<Lease>(std::move(lease));
}

Status PgUpdateLease(PgConnection& conn, const Lease& l) {
  return conn
      .Exec(
          "UPDATE leases SET holder = $2, token = $3, acquired_at = $4, renewed_at = $5, expires_at = $6 "
          "WHERE name = $1",
          {l.name, l.holder, Num(l.token), Millis(l.acquired_at), Millis(l.renewed_at), Millis(l.expires_at)})
      .status();
}

Result<std::vector<Lease>> PgListLeases(PgConnection& conn) {
  static const std::string sql = std::string("SELECT ") + kLeaseColumns + " FROM leases WHERE token > 0 ORDER BY name";
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql));
  std::vector<Lease> leases;
  for (int i = 0; i < rows.rows(); ++i) leases.push_back(LeaseFromRow(rows, i));
  return leases;
}

}  // namespace kelola
