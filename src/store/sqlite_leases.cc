#include "store/sqlite_leases.h"

namespace kelola {
namespace {

constexpr const char* kSelectLease = "SELECT name, holder, token, acquired_at, renewed_at, expires_at FROM leases ";

WallTime FromMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

Lease ReadLeaseRow(const SqliteStatement& row) {
  Lease l;
  l.name = row.ColumnText(0);
  l.holder = row.ColumnText(1);
  l.token = row.ColumnInt(2);
  l.acquired_at = FromMillis(row.ColumnInt(3));
  l.renewed_at = FromMillis(row.ColumnInt(4));
  l.expires_at = FromMillis(row.ColumnInt(5));
  return l;
}

}  // namespace

Result<std::optional<Lease>> SqliteFindLease(SqliteConnection& db, const std::string& name) {
  static const std::string sql = std::string(kSelectLease) + "WHERE name = ?";
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql.c_str()));
  stmt.BindText(1, name);
  KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Lease>();
  return std::optional<Lease>(ReadLeaseRow(stmt));
}

Status SqliteWriteLease(SqliteConnection& db, const Lease& l) {
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO leases (name, holder, token, acquired_at, renewed_at, "
                                                "expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE "
                                                "SET holder = excluded.holder, token = excluded.token, "
                                                "acquired_at = excluded.acquired_at, "
                                                "renewed_at = excluded.renewed_at, expires_at = excluded.expires_at"));
  stmt.BindText(1, l.name);
  stmt.BindText(2, l.holder);
  stmt.BindInt(3, l.token);
  stmt.BindInt(4, UnixMillis(l.acquired_at));
  stmt.BindInt(5, UnixMillis(l.renewed_at));
  stmt.BindInt(6, UnixMillis(l.expires_at));
  return stmt.Run();
}

Result<std::vector<Lease>> SqliteListLeases(SqliteConnection& db) {
  static const std::string sql = std::string(kSelectLease) + "ORDER BY name";
  KELOLA_ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql.c_str()));
  std::vector<Lease> leases;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return leases;
    leases.push_back(ReadLeaseRow(stmt));
  }
}

}  // namespace kelola
