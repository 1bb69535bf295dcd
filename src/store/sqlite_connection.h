// SqliteConnection: a thin RAII layer over one sqlite3 handle, its cached
// prepared statements and its transactions, turning SQLite result codes into
// Status. Internal to src/store (the SQLite store and its migrations).
//
// Thread-safety: none. A connection is used by one thread at a time; the
// owner holds a mutex around it.
// Errors: SQLITE_BUSY/LOCKED -> Unavailable (retry), SQLITE_FULL ->
// ResourceExhausted, SQLITE_CORRUPT/NOTADB -> DataLoss, SQLITE_CANTOPEN ->
// Unavailable, constraint violations -> FailedPrecondition, the rest ->
// Internal. Messages carry SQLite's own text and the statement's purpose.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kelola {

class SqliteConnection;

// A prepared statement borrowed from the connection's cache. Bindings are
// cleared and the statement reset when the borrow ends, so a cached statement
// never holds a read snapshot open between calls.
class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection* connection, sqlite3_stmt* stmt);
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameter indexes start at 1, as in SQLite. A failed bind is reported by
  // the next Step().
  void BindInt(int index, int64_t value);
  void BindText(int index, std::string_view value);
  void BindNull(int index);

  // true: a row is available; false: the statement is done.
  Result<bool> Step();
  // Runs a statement that returns no rows (or ignores them).
  Status Run();

  int64_t ColumnInt(int index) const;
  std::string ColumnText(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  SqliteConnection* connection_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;
};

class SqliteConnection {
 public:
  struct Options {
    bool read_only = false;  // enforced with PRAGMA query_only
    std::chrono::milliseconds busy_timeout{5000};
  };
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, const Options& options);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more ';'-separated statements without results.
  Status Exec(const std::string& sql);
  // Runs a single-row, single-column query (PRAGMAs) and returns the text.
  Result<std::string> QueryText(const std::string& sql);
  // Returns the cached statement for `sql`, preparing it on first use. The
  // pointer is used as the cache key, so pass string literals.
  Result<SqliteStatement> Prepare(const char* sql);

  // Status for a failing result code, with the connection's error message.
  Status ErrorStatus(int rc, std::string_view context) const;
  const std::string& path() const { return path_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed uncommitted. IMMEDIATE
// takes the write lock up front, so a transaction never fails half-way with
// SQLITE_BUSY on a read-to-write upgrade.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> Begin(SqliteConnection& connection);
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();
  Status Commit();

 private:
  explicit SqliteTransaction(SqliteConnection* connection) : connection_(connection) {}
  SqliteConnection* connection_;
};

}  // namespace kelola
