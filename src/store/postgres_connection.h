// PgConnection, PgResult, PgPool: a thin RAII layer over libpq for the
// PostgreSQL store (internal to src/store; libpq stays out of this header).
//
// Every statement is sent with PQexecParams: parameters travel apart from
// the SQL text, as text, so no input is ever spliced into SQL.
//
// Error meaning (Status codes returned by Exec):
// - Unavailable: the server cannot be reached or the connection broke
//   (SQLSTATE class 08, admin/crash shutdown 57P0x, too many connections);
//   after it, broken() tells whether the connection is unusable.
// - AlreadyExists: a unique constraint was violated (23505).
// - InvalidArgument: data PostgreSQL cannot store (class 22, e.g. bad UTF-8).
// - Aborted: a serialization failure or deadlock (40001, 40P01): the
//   transaction was rolled back by the server and may be retried as a whole;
//   IsRetryableTransactionError() tells it from an application Aborted.
// - Internal: anything else, with the server's message.
// Messages name the server as RedactedUrl() does: never a password.
//
// Thread-safety: a PgConnection is used by one thread at a time (the pool
// hands it out exclusively). PgPool is thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

struct pg_conn;
struct pg_result;

namespace kelola {

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db";
// "host=h password=secret" -> "host=h password=***".
std::string RedactedUrl(const std::string& url);

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result) : result_(result) {}
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;
  // The column as a 64-bit integer; 0 when it is NULL or not a number (the
  // schema makes every integer column NOT NULL BIGINT).
  int64_t Int(int row, int column) const;

 private:
  pg_result* result_ = nullptr;
};

using PgParams = std::vector<std::optional<std::string>>;  // nullopt = SQL NULL

class PgConnection {
 public:
  // Connects with a connect timeout of 5 s unless the URL sets one.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  Result<PgResult> Exec(const std::string& sql, const PgParams& params = {});
  // Runs several statements without parameters (a migration script).
  Status ExecScript(const std::string& sql);

  // True when the connection can no longer be used (it broke or the server
  // closed it); the owner should discard it.
  bool broken() const;
  // The SQLSTATE of the last failed Exec ("" if none or no server error).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  bool IsRetryableTransactionError() const { return last_sqlstate_ == "40001" || last_sqlstate_ == "40P01"; }

  // For LISTEN: the socket to poll, reading what arrived, and the payloads
  // of the notifications received since the last call.
  int socket() const;
  Status ConsumeInput();
  std::vector<std::string> TakeNotifications();

  const std::string& redacted_url() const { return redacted_url_; }

 private:
  PgConnection(pg_conn* conn, std::string redacted_url) : conn_(conn), redacted_url_(std::move(redacted_url)) {}
  Status ErrorFrom(pg_result* result, const std::string& what);

  pg_conn* conn_;
  std::string redacted_url_;
  std::string last_sqlstate_;
};

// A small pool: at most `max_size` connections, made on demand, idle ones
// kept. Acquire() waits while all are in use. A connection returned broken
// is dropped, so the next Acquire() connects afresh (how the store recovers
// after a PostgreSQL restart).
class PgPool {
 public:
  class Handle {
   public:
    Handle(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Handle(Handle&&) = default;
    Handle& operator=(Handle&&) = delete;
    ~Handle();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  PgPool(std::string url, int max_size);
  // Unavailable when no connection can be made.
  Result<Handle> Acquire();
  // Drops every idle connection (after the server restarted, say).
  void DropIdle();

 private:
  void Release(std::unique_ptr<PgConnection> conn);

  const std::string url_;
  const int max_size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // idle + handed out + being connected
};

}  // namespace kelola
