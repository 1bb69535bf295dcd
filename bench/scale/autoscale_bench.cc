// The live autoscaler's evaluation path (issue #9, "Evaluating 1,000
// policies over 1,000 hosts' metrics in one interval: under 100 ms of CPU"):
// what AutoscalerController does per group besides the Store — the
// SeriesStoreReader over the embedded SeriesStore (1,000 hosts × 10 series,
// 24 h rings, the newest 10 minutes filled at 10 s), ReadPolicyMetrics and
// Decide — for 1,000 policies in 100 groups of 10 hosts (10 policies per
// group on 5 metrics), then the same 1,000 policies each over all 1,000
// hosts. Then the whole controller pass with the Store (SQLite file, the
// groups' hosts as Host resources, every policy's status written), for the
// record.
//   cmake --build build/release --target kelola_autoscale_bench
//   build/release/bench/kelola_autoscale_bench [RUNS]   (default 20)
// Process CPU time (CLOCK_PROCESS_CPUTIME_ID). bench/README.md.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "autoscale/autoscaler_controller.h"
#include "autoscale/group_observation.h"
#include "autoscale/metric_readers.h"
#include "fleet/fleet_host.h"
#include "metrics/series_store.h"
#include "scale/autoscaler.h"
#include "store/store.h"

using namespace kelola;

namespace {

constexpr int kHosts = 1000;
constexpr int kGroups = 100;
constexpr int kPolicies = 1000;
const char* const kMetrics[] = {"cpu_busy_percent", "load1", "memory_used_percent", "network_receive_bytes_per_second",
                                "disk_used_percent"};

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string HostName(int h) { return "host-" + std::to_string(h); }
std::string GroupName(int g) { return "group-" + std::to_string(g); }

ScalingPolicySpec MakePolicy(int i, const std::string& group) {
  const std::string metric = kMetrics[i % 5];
  const std::string spec =
      i % 2 == 0 ? R"({"group":")" + group + R"(","minHosts":2,"maxHosts":5000,"warmupSeconds":120,
                       "targetTracking":{"metric":")" +
                       metric + R"(","target":60}})"
                 : R"({"group":")" + group + R"(","minHosts":2,"maxHosts":5000,"stepScaling":{"metric":")" + metric +
                       R"(","steps":[{"upper":30,"adjustment":-1},{"lower":70,"adjustment":"20%"}]}})";
  auto p = DecodeScalingPolicySpec("p" + std::to_string(i), spec);
  if (!p.ok()) std::abort();
  return *p;
}

// One interval over `groups`: observation given, metrics read and decided.
double Interval(SeriesStoreReader& reader, const std::vector<std::vector<ScalingPolicySpec>>& policies,
                const std::vector<GroupObservation>& groups, WallTime now, std::vector<ScalingHistory>& histories,
                int& scaled) {
  const double t0 = CpuSeconds();
  for (size_t g = 0; g < groups.size(); ++g) {
    auto readings = ReadPolicyMetrics(reader, policies[g], groups[g]);
    ScalingDecision d = Decide(policies[g], groups[g], readings, now, histories[g]);
    scaled += d.desired != d.current ? 1 : 0;
  }
  return CpuSeconds() - t0;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Runs of A (best of); B and C run a third as often (at least once).
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  FakeClock clock;
  const WallTime now = clock.Now();
  metrics::SeriesStore store;
  const int64_t now_ms = UnixMillis(now);
  for (int h = 0; h < kHosts; ++h) {
    for (int s = 0; s < 10; ++s) {
      const std::string metric = s < 5 ? kMetrics[s] : "extra_" + std::to_string(s);
      for (int k = 0; k < 60; ++k) {  // the last 10 minutes at 10 s
        const double v = 20 + (h * 7 + k * 3 + s) % 70;
        if (!store.Append(HostName(h), GroupName(h % kGroups), metric, now_ms - k * 10'000, v).ok()) std::abort();
      }
    }
  }
  SeriesStoreReader reader(store, clock, std::chrono::minutes(1));
  std::printf("series store: %zu series, %zu MB\n", store.series_count(), store.MemoryBytes() >> 20);

  // A. 1,000 policies in 100 groups of 10 hosts.
  std::vector<GroupObservation> groups(kGroups);
  std::vector<std::vector<ScalingPolicySpec>> policies(kGroups);
  for (int g = 0; g < kGroups; ++g) {
    groups[g].group = GroupName(g);
    groups[g].current = 10;
  }
  for (int h = 0; h < kHosts; ++h) {
    std::optional<WallTime> ready;
    if (h % 10 != 0) ready = now - std::chrono::minutes(h % 7 == 0 ? 1 : 30);  // some warming, some booting
    groups[h % kGroups].hosts.push_back(ScalingHost{HostName(h), ready});
  }
  for (int i = 0; i < kPolicies; ++i) policies[i % kGroups].push_back(MakePolicy(i, GroupName(i % kGroups)));
  double best = 1e9;
  int scaled = 0;
  for (int run = 0; run < runs; ++run) {
    std::vector<ScalingHistory> histories(kGroups);
    best = std::min(best, Interval(reader, policies, groups, now, histories, scaled));
  }
  std::printf(
      "A. 1,000 policies, 100 groups x 10 hosts: %.2f ms CPU per interval (best of %d; %d group decisions "
      "scaled)\n",
      best * 1e3, runs, scaled / runs);

  // B. 1,000 policies, each over all 1,000 hosts (1,000 groups of the same hosts).
  std::vector<GroupObservation> wide(kPolicies);
  std::vector<std::vector<ScalingPolicySpec>> single(kPolicies);
  for (int i = 0; i < kPolicies; ++i) {
    wide[i].group = GroupName(i);
    wide[i].current = kHosts;
    for (int g = 0; g < kGroups; ++g) {
      for (const auto& h : groups[g].hosts) wide[i].hosts.push_back(h);
    }
    single[i].push_back(MakePolicy(i, GroupName(i)));
  }
  best = 1e9;
  for (int run = 0; run < std::max(1, runs / 3); ++run) {
    std::vector<ScalingHistory> histories(kPolicies);
    best = std::min(best, Interval(reader, single, wide, now, histories, scaled));
  }
  std::printf(
      "B. 1,000 policies, each over 1,000 hosts (1,000,000 per-host reads): %.2f ms CPU per interval "
      "(best of %d)\n",
      best * 1e3, std::max(1, runs / 3));

  // C. The whole controller pass with the Store: 100 groups, 1,000 Host resources, 1,000 policies.
  const std::string db = std::filesystem::temp_directory_path() / "kelola-autoscale-bench.db";
  std::filesystem::remove(db);
  auto sql = OpenSqliteStore(db, clock);
  if (!sql.ok()) return Fail(sql.status());
  Store& s = **sql;
  for (int g = 0; g < kGroups; ++g) {
    Resource r;
    r.kind = "ServerGroup";
    r.name = GroupName(g);
    r.spec_json = R"({"provider":"static","count":10})";
    if (auto put = s.PutResource(r, {}); !put.ok()) return Fail(put.status());
  }
  for (int h = 0; h < kHosts; ++h) {
    Resource r;
    r.kind = "Host";
    r.name = HostName(h);
    r.labels = {{kFleetGroupLabel, GroupName(h % kGroups)}};
    FleetHostStatus st;
    st.state = HostState::kReady;
    st.ready_at = now - std::chrono::minutes(30);
    r.status_json = EncodeFleetHostStatus(st);
    if (auto put = s.PutResource(r, {}); !put.ok()) return Fail(put.status());
  }
  for (int i = 0; i < kPolicies; ++i) {
    Resource r;
    r.kind = "ScalingPolicy";
    r.name = "p" + std::to_string(i);
    nlohmann::json spec = {{"group", GroupName(i % kGroups)},
                           {"minHosts", 2},
                           {"maxHosts", 5000},
                           {"dryRun", true},  // the same pass every interval: nothing changes the counts
                           {"targetTracking", {{"metric", kMetrics[i % 5]}, {"target", 60}}}};
    r.spec_json = spec.dump();
    if (auto put = s.PutResource(r, {}); !put.ok()) return Fail(put.status());
  }
  AutoscalerOptions o;
  o.clock = &clock;
  o.reader = &reader;
  AutoscalerController controller(s, o);
  for (int run = 0; run < std::max(1, runs / 3); ++run) {
    clock.Advance(std::chrono::seconds(15));
    const double t0 = CpuSeconds();
    for (int g = 0; g < kGroups; ++g) {
      if (auto r = controller.Reconcile("ServerGroup/" + GroupName(g)); !r.ok()) return Fail(r.status());
    }
    std::printf("C. controller pass with SQLite (100 groups, 1,000 policies' status written): %.0f ms CPU\n",
                (CpuSeconds() - t0) * 1e3);
  }
  std::filesystem::remove(db);
  return 0;
}
