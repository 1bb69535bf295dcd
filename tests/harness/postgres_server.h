// PostgresServer: a private PostgreSQL cluster on 127.0.0.1:<free port> for
// tests, in a temp dir, gone when the object is destroyed.
//
// The cluster is made with initdb (trust authentication, superuser
// "postgres", no fsync: test data need not survive a power cut), copied
// from a template cluster cached in $TMPDIR/kelola-pg-template-<major>
// (initdb costs seconds, a copy a fraction of one), and runs as
// the `postgres` system user when the test runs as root (PostgreSQL refuses
// to run as root). The server is our child process, started directly (not
// through pg_ctl's shell) so it is owned and stopped by pid; its unix socket
// goes to the temp dir, never /run/postgresql. Stop() is a fast shutdown
// (sessions are disconnected, like `pg_ctl -m fast stop`); Start() brings the
// same cluster back on the same port, so URLs handed out stay valid across a
// restart test.
//
// Errors: FailedPrecondition when PostgreSQL is not installed (tests skip);
// Unavailable when the server does not come up (the message carries its
// log); Internal for failing tools (initdb, psql) with their output.
// Thread-safety: one owner; Url() and port() may be read from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

class PostgresServer {
 public:
  static constexpr const char* kSuperuser = "postgres";

  // initdb + start. Takes about 1.5 s.
  static Result<std::unique_ptr<PostgresServer>> Start();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

  int port() const { return port_; }
  // "postgresql://postgres@127.0.0.1:PORT/DATABASE" (libpq URL).
  std::string Url(const std::string& database = "postgres") const;

  // CREATE DATABASE `name` (letters, digits and '_' only). Returns its URL.
  Result<std::string> CreateDatabase(const std::string& name);
  // Runs SQL through psql on `database` and returns its unaligned, tuples-only
  // output ("1\n"); an SQL error is Internal quoting psql's message.
  Result<std::string> Query(const std::string& database, const std::string& sql);

  // Fast shutdown, waiting for the server to exit. Idempotent.
  Status Stop();
  // Starts the stopped cluster again on the same port.
  Status Restart();
  bool running() const { return process_ != nullptr; }
  std::string log_path() const { return dir_->File("postgres.log"); }

 private:
  PostgresServer(std::unique_ptr<TempDir> dir, std::string bin_dir)
      : dir_(std::move(dir)), bin_dir_(std::move(bin_dir)) {}
  Status Init();
  Status Launch();
  std::string data_dir() const { return dir_->File("pg/data"); }
  std::string socket_dir() const { return dir_->File("pg"); }

  std::unique_ptr<TempDir> dir_;
  std::string bin_dir_;  // /usr/lib/postgresql/<major>/bin
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The bin directory of the newest PostgreSQL installed under
// /usr/lib/postgresql, or nullopt.
std::optional<std::string> FindPostgresBinDir();

}  // namespace kelola::harness
