// Group commit in the embedded log store: N concurrent appenders (agents),
// each appending batches of 100 records of ~150 bytes with real fdatasync,
// on the store's own disk. Reports acknowledged batches/s, MiB/s and
// fdatasync calls per batch.
//
//   cmake --build build/release --target kelola_log_store_bench
//   build/release/bench/kelola_log_store_bench [dir] [seconds-per-row]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "logs/log_store.h"

using namespace kelola;

namespace {

LogBatch MakeBatch(const std::string& agent, uint64_t first, int count) {
  LogBatch b;
  b.agent = agent;
  b.labels = {{"service", "bench"}};
  for (int i = 0; i < count; ++i) {
    LogRecord r;
    r.stream_id = "s-" + agent;
    r.path = "/var/log/app.log";
    r.text = "2026-11-28T01:00:00Z INFO request handled path=/api/v1/items/" + std::to_string(first + i) +
             " status=200 duration_ms=12 user=someone@example.com trace=4bf92f3577b34da6a3ce929d0e0e4736";
    r.offset = (first + i) * 150;
    r.end_offset = r.offset + 150;
    r.time_ms = 1'700'000'000'000 + static_cast<int64_t>(first + i);
    b.records.push_back(std::move(r));
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "/var/tmp/kelola-log-store-bench";
  const double seconds = argc > 2 ? std::stod(argv[2]) : 3.0;
  RealClock clock;
  std::printf("| appenders | batches/s | MiB/s | fdatasync per batch |\n|---|---|---|---|\n");
  for (int appenders : {1, 4, 16, 64}) {
    std::filesystem::remove_all(root);
    LogStoreOptions o;
    o.dir = root;
    auto store = LogStore::Open(o, clock);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 1;
    }
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> batches{0}, bytes{0}, failures{0};
    std::vector<std::thread> threads;
    auto start = std::chrono::steady_clock::now();
    for (int a = 0; a < appenders; ++a) {
      threads.emplace_back([&, a] {
        uint64_t next = 0;
        while (!stop) {
          LogBatch b = MakeBatch("agent-" + std::to_string(a), next, 100);
          next += 100;
          uint64_t n = 0;
          for (const auto& r : b.records) n += r.text.size();
          if ((*store)->Append(b).ok()) {
            ++batches;
            bytes += n;
          } else {
            ++failures;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto stats = (*store)->Stats();
    std::printf("| %d | %.0f | %.1f | %.2f |\n", appenders, batches / elapsed, bytes / elapsed / (1 << 20),
                batches ? static_cast<double>(stats.syncs) / batches : 0.0);
    if (failures) std::fprintf(stderr, "%llu appends failed\n", static_cast<unsigned long long>(failures.load()));
  }
  std::filesystem::remove_all(root);
  return 0;
}
