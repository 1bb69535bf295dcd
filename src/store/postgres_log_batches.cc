#include "store/postgres_log_batches.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "base/crypto.h"
#include "store/lease_rules.h"
#include "store/postgres_connection.h"
#include "store/postgres_schema.h"
#include "store/postgres_tables.h"

namespace kelola {
namespace {

constexpr const char* kInsertSql =
    "WITH next AS (UPDATE counters SET value = value + 1 WHERE name = 'log_batch_id' RETURNING value) "
    "INSERT INTO log_batches (id, received_at, origin, agent, records, payload) "
    "SELECT value, $1, $2, $3, $4, $5::bytea FROM next RETURNING id";

// bytea's text output ("\x" and two hex digits a byte); nullopt if it is not that.
std::optional<std::string> FromByteaHex(const std::string& text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.resize((text.size() - 2) / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = digit(text[2 + 2 * i]);
    int lo = digit(text[3 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

class PgLogBatchTable final : public LogBatchTable {
 public:
  PgLogBatchTable(std::string url, int pool_size) : url_(std::move(url)), pool_(url_, pool_size) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~PgLogBatchTable() override {
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Result<int64_t> Insert(const SharedLogBatch& batch) override {
    // Not retried on a broken connection: the insert may have committed.
    KELOLA_ASSIGN_OR_RETURN(auto handle, pool_.Acquire());
    auto rows = handle->Exec(kInsertSql, {std::to_string(batch.received_ms), batch.origin, batch.agent,
                                          std::to_string(batch.records), "\\x" + HexEncode(batch.payload)});
    if (!rows.ok()) {
      if (handle->broken()) pool_.DropIdle();
      return rows.status();
    }
    if (rows->rows() != 1) return InternalError("log_batches: the insert returned no id (is migration 3 applied?)");
    return rows->Int(0, 0);
  }

  Result<std::vector<SharedLogBatch>> ReadAfter(int64_t after_id, int limit, size_t max_bytes) override {
    // Sizes first, so one read never holds more than about max_bytes.
    KELOLA_ASSIGN_OR_RETURN(PgResult sizes,
                            Read("SELECT id, octet_length(payload) FROM log_batches WHERE id > $1 ORDER BY id LIMIT $2",
                                 {std::to_string(after_id), std::to_string(std::max(limit, 1))}));
    if (sizes.rows() == 0) return std::vector<SharedLogBatch>{};
    int64_t last = sizes.Int(0, 0);
    size_t total = 0;
    for (int i = 0; i < sizes.rows(); ++i) {
      total += static_cast<size_t>(sizes.Int(i, 1));
      if (i > 0 && total > max_bytes) break;
      last = sizes.Int(i, 0);
    }
    KELOLA_ASSIGN_OR_RETURN(PgResult rows, Read("SELECT id, received_at, origin, agent, records, payload "
                                                "FROM log_batches WHERE id > $1 AND id <= $2 ORDER BY id",
                                                {std::to_string(after_id), std::to_string(last)}));
    std::vector<SharedLogBatch> out;
    out.reserve(static_cast<size_t>(rows.rows()));
    for (int i = 0; i < rows.rows(); ++i) {
      SharedLogBatch b;
      b.id = rows.Int(i, 0);
      b.received_ms = rows.Int(i, 1);
      b.origin = rows.Text(i, 2);
      b.agent = rows.Text(i, 3);
      b.records = rows.Int(i, 4);
      auto payload = FromByteaHex(rows.Text(i, 5));
      if (!payload.has_value()) {
        return DataLossError("log_batches row " + std::to_string(b.id) + ": payload is not bytea hex text");
      }
      b.payload = std::move(*payload);
      out.push_back(std::move(b));
    }
    return out;
  }

  Result<LogBatchTableBounds> Bounds() override {
    KELOLA_ASSIGN_OR_RETURN(PgResult rows, Read("SELECT COALESCE((SELECT MIN(id) FROM log_batches), 0), "
                                                "(SELECT value FROM counters WHERE name = 'log_batch_id')",
                                                {}));
    if (rows.rows() != 1) return InternalError("log_batches: no bounds");
    return LogBatchTableBounds{rows.Int(0, 0), rows.Int(0, 1)};
  }

  Result<int64_t> DeleteOlderThan(WallTime cutoff, const LeaseFence& fence) override {
    KELOLA_ASSIGN_OR_RETURN(auto handle, pool_.Acquire());
    PgConnection& db = *handle;
    Result<int64_t> deleted = [&]() -> Result<int64_t> {
      KELOLA_RETURN_IF_ERROR(db.Exec("BEGIN").status());
      KELOLA_ASSIGN_OR_RETURN(auto lease, PgLockLease(db, fence.lease, PgRowLock::kShare));
      KELOLA_RETURN_IF_ERROR(CheckFence(lease, fence));
      KELOLA_ASSIGN_OR_RETURN(PgResult rows, db.Exec("WITH gone AS (DELETE FROM log_batches WHERE received_at < $1 "
                                                     "RETURNING 1) SELECT count(*) FROM gone",
                                                     {std::to_string(UnixMillis(cutoff))}));
      KELOLA_RETURN_IF_ERROR(db.Exec("COMMIT").status());
      return rows.Int(0, 0);
    }();
    if (!deleted.ok()) {
      if (!db.broken()) (void)db.Exec("ROLLBACK");
      if (db.broken()) pool_.DropIdle();
    }
    return deleted;
  }

  void WaitForInsert(Duration timeout) override {
    std::lock_guard<std::mutex> lock(listen_mu_);
    const int timeout_ms =
        static_cast<int>(std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
    if (listener_ == nullptr) {
      auto opened = PgConnection::Open(url_);
      if (opened.ok() && (*opened)->Exec("LISTEN kelola_log_batches").ok()) {
        listener_ = std::move(opened).value();
        return;  // the caller re-reads: anything inserted while not listening is found
      }
      pollfd fd{wake_fd_, POLLIN, 0};
      ::poll(&fd, 1, timeout_ms);
      DrainWake();
      return;
    }
    pollfd fds[2] = {{listener_->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int ready = ::poll(fds, 2, timeout_ms);
    DrainWake();
    if (ready > 0 && fds[0].revents != 0) {
      if (!listener_->ConsumeInput().ok()) {
        listener_.reset();
        return;
      }
      (void)listener_->TakeNotifications();
    }
  }

  void Wake() override {
    uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof(one));
  }

 private:
  void DrainWake() {
    uint64_t n = 0;
    (void)!::read(wake_fd_, &n, sizeof(n));
  }

  // A read, retried once on a fresh connection after a server restart.
  Result<PgResult> Read(const std::string& sql, const PgParams& params) {
    Result<PgResult> result = UnavailableError("log_batches: no attempt made");
    for (int attempt = 0; attempt < 2; ++attempt) {
      KELOLA_ASSIGN_OR_RETURN(auto handle, pool_.Acquire());
      result = handle->Exec(sql, params);
      if (result.ok() || !handle->broken()) return result;
      pool_.DropIdle();
    }
    return result;
  }

  const std::string url_;
  PgPool pool_;
  int wake_fd_ = -1;
  std::mutex listen_mu_;
  std::unique_ptr<PgConnection> listener_;  // guarded by listen_mu_
};

}  // namespace

Result<std::unique_ptr<LogBatchTable>> OpenPostgresLogBatchTable(const std::string& url, Clock& clock, int pool_size) {
  KELOLA_ASSIGN_OR_RETURN(auto conn, PgConnection::Open(url));
  KELOLA_RETURN_IF_ERROR(ApplyPostgresMigrations(*conn, PostgresStoreMigrations(), clock).status());
  return std::unique_ptr<LogBatchTable>(new PgLogBatchTable(url, pool_size));
}

}  // namespace kelola
