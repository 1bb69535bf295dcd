#include "metrics/series_snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "metrics/series_persistence.h"
#include "metrics/series_store.h"

namespace kelola::metrics {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

std::string TempPath(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("kelola-metrics-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(SeriesSnapshot, StoreSurvivesWriteAndRead) {
  SeriesStore a;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(a.Append("web-1", "web", "cpu_busy_percent", kT0 + i * 10'000, i * 0.5).ok());
    if (i % 3 == 0) {
      ASSERT_TRUE(a.Append("db-1", "db", "load1", kT0 + i * 10'000, i).ok());
    }
  }
  const std::string path = TempPath("roundtrip.snap");
  ASSERT_TRUE(a.dirty());
  ASSERT_TRUE(a.WriteSnapshot(path).ok());
  EXPECT_FALSE(a.dirty());
  SeriesStore b;
  Status read = b.ReadSnapshot(path);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(b.series_count(), 2u);
  EXPECT_EQ(b.GroupOf("db-1"), "db");
  auto pa = a.Range("web-1", "cpu_busy_percent", 0, kT0 * 2);
  auto pb = b.Range("web-1", "cpu_busy_percent", 0, kT0 * 2);
  ASSERT_EQ(pa.size(), 100u);
  ASSERT_EQ(pb.size(), pa.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].time_ms, pb[i].time_ms);
    EXPECT_EQ(pa[i].value, pb[i].value);
  }
  EXPECT_EQ(b.Range("db-1", "load1", 0, kT0 * 2).size(), 34u);
  // A store with a coarser resolution re-buckets the points.
  SeriesStore coarse({.resolution = std::chrono::minutes(1)});
  ASSERT_TRUE(coarse.ReadSnapshot(path).ok());
  EXPECT_EQ(coarse.Range("web-1", "cpu_busy_percent", 0, kT0 * 2).size(), 17u);
}

TEST(SeriesSnapshot, DamageIsDataLossAndAddsNothing) {
  SeriesStore a;
  ASSERT_TRUE(a.Append("h", "", "m", kT0, 1).ok());
  const std::string path = TempPath("damaged.snap");
  ASSERT_TRUE(a.WriteSnapshot(path).ok());
  std::string bytes = ReadAll(path);
  for (size_t cut : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, cut);
    SeriesStore b;
    Status s = b.ReadSnapshot(path);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << cut << " " << s.ToString();
    EXPECT_EQ(b.series_count(), 0u);
  }
  std::string flipped = bytes;
  flipped[20] ^= 1;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
  SeriesStore c;
  EXPECT_EQ(c.ReadSnapshot(path).code(), StatusCode::kDataLoss);
  EXPECT_EQ(c.ReadSnapshot(path + ".missing").code(), StatusCode::kNotFound);
}

TEST(SeriesSnapshot, ReaderChecksLengthsBeforeTrusting) {
  // A valid checksum over a body whose series count lies.
  std::string file;
  SnapshotWriter w(10'000, 5, [&](std::string_view piece) { file += piece; });
  float v = 1;
  w.Add("h", "", "m", 1, &v, 1);
  w.Finish();
  int64_t res = 0;
  int calls = 0;
  Status s = ReadSnapshotBytes(file, res, [&](const SnapshotSeries&) { ++calls; });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("series 1"), std::string::npos) << s.message();
  EXPECT_EQ(calls, 0);
}

TEST(SeriesSnapshot, WritesWhileHostsAppend) {
  SeriesStore store;
  for (int h = 0; h < 20; ++h) ASSERT_TRUE(store.Append("h" + std::to_string(h), "", "m", kT0, h).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int64_t i = 1; !stop; ++i) {
      for (int h = 0; h < 20; ++h) (void)store.Append("h" + std::to_string(h), "", "m", kT0 + i * 10'000, h);
    }
  });
  const std::string path = TempPath("concurrent.snap");
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(store.WriteSnapshot(path).ok());
    SeriesStore back;
    Status s = back.ReadSnapshot(path);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(back.series_count(), 20u);
  }
  stop = true;
  writer.join();
}

TEST(SeriesPersistence, DamagedSnapshotIsKeptAndTheStoreStartsEmpty) {
  const std::string dir = TempPath("persist");
  {
    auto store = OpenSeriesStore({}, dir);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->series_count(), 0u);  // no snapshot yet
    ASSERT_TRUE((*store)->Append("h", "g", "m", kT0, 1).ok());
    FakeClock clock;
    SeriesSnapshotter snapshots(**store, clock, dir, std::chrono::minutes(5));
    snapshots.Start();
    snapshots.Stop();  // writes the last snapshot
  }
  auto reopened = OpenSeriesStore({}, dir);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->series_count(), 1u);
  EXPECT_EQ((*reopened)->GroupOf("h"), "g");
  std::ofstream(SnapshotPath(dir), std::ios::binary | std::ios::trunc) << "KLMETS1\ngarbage that is not a snapshot";
  auto damaged = OpenSeriesStore({}, dir);
  ASSERT_TRUE(damaged.ok());
  EXPECT_EQ((*damaged)->series_count(), 0u);
  EXPECT_TRUE(std::filesystem::exists(SnapshotPath(dir) + ".bad"));
  EXPECT_NE(ReadAll(SnapshotPath(dir) + ".bad").find("garbage"), std::string::npos);
}

}  // namespace
}  // namespace kelola::metrics
