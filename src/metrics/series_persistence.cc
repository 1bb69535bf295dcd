#include "metrics/series_persistence.h"

#include <sys/stat.h>

#include <filesystem>

#include "base/logging.h"

namespace kelola::metrics {

std::string SnapshotPath(const std::string& dir) { return dir + "/series.snap"; }

Result<std::unique_ptr<SeriesStore>> OpenSeriesStore(const SeriesStoreOptions& options, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InvalidArgumentError("metrics directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  auto store = std::make_unique<SeriesStore>(options);
  const std::string path = SnapshotPath(dir);
  Status s = store->ReadSnapshot(path);
  if (s.code() == StatusCode::kNotFound) return store;
  if (!s.ok()) {
    // Keep the file for a person to look at; start empty rather than not at all.
    std::filesystem::rename(path, path + ".bad", ec);
    LogWarn("metrics store: snapshot unreadable, starting empty; the file is kept",
            {{"error", s.ToString()}, {"kept_as", path + ".bad"}});
    return std::make_unique<SeriesStore>(options);
  }
  LogInfo("metrics store: snapshot loaded",
          {{"series", std::to_string(store->series_count())}, {"bytes", std::to_string(store->MemoryBytes())}});
  return store;
}

SeriesSnapshotter::SeriesSnapshotter(SeriesStore& store, Clock& clock, std::string dir, Duration interval)
    : store_(store), clock_(clock), dir_(std::move(dir)), interval_(interval) {}

SeriesSnapshotter::~SeriesSnapshotter() { Stop(); }

void SeriesSnapshotter::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      clock_.WaitUntil(lock, cv_, clock_.Monotonic() + interval_);
      if (stop_) break;
      lock.unlock();
      store_.ExpireBefore(UnixMillis(clock_.Now()));
      SnapshotNow();
      lock.lock();
    }
  });
}

void SeriesSnapshotter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  SnapshotNow();
}

void SeriesSnapshotter::SnapshotNow() {
  if (!store_.dirty()) return;
  Status s = store_.WriteSnapshot(SnapshotPath(dir_));
  if (!s.ok()) LogWarn("metrics store: snapshot not written", {{"error", s.ToString()}});
}

}  // namespace kelola::metrics
