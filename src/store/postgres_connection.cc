#include "store/postgres_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace kelola {
namespace {

std::string TrimmedMessage(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& c : m) {
    if (c == '\n') c = ' ';
  }
  return m.empty() ? "unknown error" : m;
}

bool IsUnavailableState(const std::string& sqlstate) {
  return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
         sqlstate == "53300";
}

// Libpq prints server notices ("relation already exists, skipping") to
// stderr by default; the store has nothing to say about them.
void IgnoreNotice(void*, const char*) {}

}  // namespace

std::string RedactedUrl(const std::string& url) {
  std::string out = url;
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = out.find_first_of("/?", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URL query parameter or a conninfo keyword.
  for (size_t pos = out.find("password"); pos != std::string::npos; pos = out.find("password", pos + 1)) {
    size_t eq = out.find_first_not_of(' ', pos + 8);
    if (eq == std::string::npos || out[eq] != '=') continue;
    size_t value = out.find_first_not_of(' ', eq + 1);
    if (value == std::string::npos) break;
    size_t value_end;
    if (out[value] == '\'') {
      value_end = out.find('\'', value + 1);
      value_end = value_end == std::string::npos ? out.size() : value_end + 1;
    } else {
      value_end = out.find_first_of(" &", value);
      if (value_end == std::string::npos) value_end = out.size();
    }
    out.replace(value, value_end - value, "***");
  }
  return out;
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

int PgResult::rows() const { return result_ != nullptr ? PQntuples(result_) : 0; }

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string PgResult::Text(int row, int column) const {
  const char* value = PQgetvalue(result_, row, column);
  return std::string(value, static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t PgResult::Int(int row, int column) const {
  const char* value = PQgetvalue(result_, row, column);
  int64_t n = 0;
  std::from_chars(value, value + std::strlen(value), n);
  return n;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& url) {
  const std::string redacted = RedactedUrl(url);
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = TrimmedMessage(parse_error);
    if (parse_error != nullptr) PQfreemem(parse_error);
    return InvalidArgumentError("PostgreSQL URL " + redacted + ": " + message);
  }
  PQconninfoFree(parsed);
  // The URL comes last and is expanded in place, so whatever it sets wins
  // over these defaults.
  // Keepalives: a replica must notice a server that vanished without
  // closing the connection (a cut network), not wait for it forever.
  const char* keywords[] = {"connect_timeout",     "application_name", "client_encoding", "keepalives_idle",
                            "keepalives_interval", "keepalives_count", "dbname",          nullptr};
  const char* values[] = {"5", "kelola", "UTF8", "15", "5", "3", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = TrimmedMessage(PQerrorMessage(conn));
    PQfinish(conn);
    return UnavailableError("connecting to PostgreSQL " + redacted + ": " + message);
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, redacted));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::ErrorFrom(PGresult* result, const std::string& what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  std::string message = TrimmedMessage(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (result != nullptr) PQclear(result);
  std::string text = "PostgreSQL " + redacted_url_ + ": " + what + ": " + message;
  if (broken() || IsUnavailableState(last_sqlstate_)) return UnavailableError(std::move(text));
  if (last_sqlstate_ == "23505") return AlreadyExistsError(std::move(text));
  // Data exceptions (class 22): input PostgreSQL cannot store, such as text
  // that is not valid UTF-8.
  if (last_sqlstate_.rfind("22", 0) == 0) return InvalidArgumentError(std::move(text));
  if (IsRetryableTransactionError()) return AbortedError(std::move(text));
  return InternalError(std::move(text));
}

Result<PgResult> PgConnection::Exec(const std::string& sql, const PgParams& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.has_value() ? p->c_str() : nullptr);
  PGresult* result = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                  nullptr, /*resultFormat=*/0);
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    last_sqlstate_.clear();
    return PgResult(result);
  }
  // Name the statement by its first words only: parameters are not in it,
  // but long SQL would drown the server's message.
  return ErrorFrom(result, sql.substr(0, std::min<size_t>(sql.find_first_of("(\n"), 60)));
}

Status PgConnection::ExecScript(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(result);
    last_sqlstate_.clear();
    return OkStatus();
  }
  return ErrorFrom(result, "script");
}

int PgConnection::socket() const { return PQsocket(conn_); }

Status PgConnection::ConsumeInput() {
  if (PQconsumeInput(conn_) == 0 || broken()) {
    return UnavailableError("PostgreSQL " + redacted_url_ + ": " + TrimmedMessage(PQerrorMessage(conn_)));
  }
  return OkStatus();
}

std::vector<std::string> PgConnection::TakeNotifications() {
  std::vector<std::string> payloads;
  while (PGnotify* n = PQnotifies(conn_)) {
    payloads.emplace_back(n->extra != nullptr ? n->extra : "");
    PQfreemem(n);
  }
  return payloads;
}

PgPool::Handle::~Handle() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

PgPool::PgPool(std::string url, int max_size) : url_(std::move(url)), max_size_(max_size < 1 ? 1 : max_size) {}

Result<PgPool::Handle> PgPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Handle(this, std::move(conn));
    }
    if (open_ < max_size_) break;
    cv_.wait(lock);
  }
  ++open_;
  lock.unlock();
  auto conn = PgConnection::Open(url_);
  if (!conn.ok()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return conn.status();
  }
  return Handle(this, std::move(conn).value());
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

void PgPool::DropIdle() {
  std::vector<std::unique_ptr<PgConnection>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ -= static_cast<int>(idle_.size());
    dropped.swap(idle_);
    cv_.notify_all();
  }
}

}  // namespace kelola
