// Keeping a SeriesStore across restarts: OpenSeriesStore loads
// DIR/series.snap (a damaged one is kept as series.snap.bad, with a
// warning, and the store starts empty); SeriesSnapshotter writes the
// snapshot every `interval` when something changed, drops expired series,
// and writes a last snapshot on Stop().
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "metrics/series_store.h"

namespace kelola::metrics {

// Creates `dir` (0700) when missing. Errors only when `dir` cannot be made.
Result<std::unique_ptr<SeriesStore>> OpenSeriesStore(const SeriesStoreOptions& options, const std::string& dir);
std::string SnapshotPath(const std::string& dir);

class SeriesSnapshotter {
 public:
  // `store` and `clock` must outlive it.
  SeriesSnapshotter(SeriesStore& store, Clock& clock, std::string dir, Duration interval);
  ~SeriesSnapshotter();  // calls Stop()
  void Start();
  void Stop();

 private:
  void SnapshotNow();

  SeriesStore& store_;
  Clock& clock_;
  std::string dir_;
  Duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace kelola::metrics
