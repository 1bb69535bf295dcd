#include "agent/host_metrics.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "net/http_server.h"
#include "tests/harness/free_port.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using std::chrono::seconds;

void Write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::trunc) << text; }

// A /proc tree of captured files (Debian 12, 2 CPUs) the test can advance.
class FakeProcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("host-metrics");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    std::filesystem::create_directories(dir_->File("net"));
    Write(dir_->File("stat"), "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 100 0 100 700 100 0 0 0 0 0\n");
    Write(dir_->File("loadavg"), "0.50 0.40 0.30 1/100 42\n");
    Write(dir_->File("meminfo"), "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\n");
    Write(dir_->File("net/dev"),
          "Inter-|   Receive\n face |bytes\n    lo: 9 1 0 0 0 0 0 0 9 1 0 0 0 0 0 0\n"
          "  eth0: 1000 1 0 0 0 0 0 0 2000 1 0 0 0 0 0 0\n");
  }
  void Advance() {
    // +300 busy, +100 idle jiffies; eth0 +10,000 received, +5,000 sent.
    Write(dir_->File("stat"), "cpu  300 0 200 800 100 0 0 0 0 0\n");
    Write(dir_->File("net/dev"),
          "Inter-|   Receive\n face |bytes\n    lo: 99999 1 0 0 0 0 0 0 99999 1 0 0 0 0 0 0\n"
          "  eth0: 11000 1 0 0 0 0 0 0 7000 1 0 0 0 0 0 0\n");
  }
  static std::map<std::string, double> ToMap(const HostReading& r) { return {r.values.begin(), r.values.end()}; }

  std::unique_ptr<harness::TempDir> dir_;
};

TEST_F(FakeProcTest, SamplerTakesRatesFromTheSecondReading) {
  HostMetricsSampler sampler(dir_->path(), {"/"});
  MonoTime t0{};
  auto first = ToMap(sampler.Sample(t0));
  EXPECT_EQ(first.count("cpu_busy_percent"), 0u);
  EXPECT_EQ(first.count("network_receive_bytes_per_second"), 0u);
  EXPECT_DOUBLE_EQ(first.at("load1"), 0.5);
  EXPECT_DOUBLE_EQ(first.at("load15"), 0.3);
  EXPECT_DOUBLE_EQ(first.at("memory_used_percent"), 75.0);
  ASSERT_EQ(first.count("disk_used_percent"), 1u);
  EXPECT_GT(first.at("disk_used_percent"), 0.0);
  EXPECT_LE(first.at("disk_used_percent"), 100.0);
  Advance();
  auto second = ToMap(sampler.Sample(t0 + seconds(10)));
  EXPECT_DOUBLE_EQ(second.at("cpu_busy_percent"), 75.0);  // 300 busy of 400
  EXPECT_DOUBLE_EQ(second.at("network_receive_bytes_per_second"), 1000.0);
  EXPECT_DOUBLE_EQ(second.at("network_transmit_bytes_per_second"), 500.0);
}

TEST_F(FakeProcTest, SamplerReportsUnreadableFilesAndKeepsTheRest) {
  std::filesystem::remove(dir_->File("loadavg"));
  Write(dir_->File("meminfo"), "MemTotal: 1000 kB\n");
  HostMetricsSampler sampler(dir_->path(), {"/", dir_->File("no-such-mount")});
  HostReading r = sampler.Sample(MonoTime{});
  EXPECT_EQ(r.errors.size(), 3u);  // loadavg, meminfo, the mount
  auto values = ToMap(r);
  EXPECT_EQ(values.count("load1"), 0u);
  EXPECT_EQ(values.count("memory_used_percent"), 0u);
  EXPECT_EQ(values.count("disk_used_percent"), 1u);
}

// A real HTTP server standing in for kelola server's sample endpoint.
class Receiver {
 public:
  explicit Receiver(int status) : status_(status) {
    server_.Route("POST", "/v1/metrics/samples", [this](HttpRequest& r) {
      std::lock_guard lock(mu_);
      bodies_.push_back(r.body);
      auth_ = r.Header("Authorization");
      return HttpResponse::Json(status_, "{}");
    });
    EXPECT_TRUE(server_.Start().ok());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::string auth() {
    std::lock_guard lock(mu_);
    return auth_;
  }

 private:
  int status_;
  HttpServer server_{HttpServerOptions{.host = "127.0.0.1", .port = 0}};
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::string auth_;
};

TEST_F(FakeProcTest, ReporterSendsSamplesWithTheAgentsNameAndSetsGauges) {
  Receiver receiver(200);
  FakeClock clock;
  MetricsRegistry registry;
  HostMetricsReporterOptions o;
  o.metrics.proc_root = dir_->path();
  o.metrics.group = "web";
  o.host = "web-1";
  o.servers = {receiver.url()};
  o.token = "kl_x_y";
  HostMetricsReporter reporter(o, registry, clock);
  reporter.StepForTest(clock.Monotonic());
  Advance();
  clock.Advance(seconds(10));
  reporter.StepForTest(clock.Monotonic());
  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(receiver.auth(), "Bearer kl_x_y");
  auto batch = metrics::DecodeSampleBatch(bodies[1]);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString() << bodies[1];
  EXPECT_EQ(batch->host, "web-1");
  EXPECT_EQ(batch->group, "web");
  ASSERT_EQ(batch->samples.size(), 1u);
  EXPECT_EQ(batch->samples[0].time_ms, UnixMillis(clock.Now()));
  std::map<std::string, double> values(batch->samples[0].values.begin(), batch->samples[0].values.end());
  EXPECT_DOUBLE_EQ(values.at("cpu_busy_percent"), 75.0);
  EXPECT_EQ(reporter.buffered(), 0u);
  std::string text = registry.RenderText();
  EXPECT_NE(text.find("kelola_host_cpu_busy_percent 75"), std::string::npos) << text;
  EXPECT_NE(text.find("kelola_host_load1 0.5"), std::string::npos) << text;
  EXPECT_NE(text.find("kelola_host_disk_used_percent{mountpoint=\"/\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("kelola_agent_metrics_samples_total{outcome=\"sent\"} 2"), std::string::npos) << text;
}

TEST_F(FakeProcTest, ReporterDropsTheOldestWhenTheServerIsDownLong) {
  auto port = harness::FreePort();  // nothing listens there
  ASSERT_TRUE(port.ok());
  FakeClock clock;
  MetricsRegistry registry;
  HostMetricsReporterOptions o;
  o.metrics.proc_root = dir_->path();
  o.metrics.buffer_max_samples = 3;
  o.host = "web-1";
  o.servers = {"http://127.0.0.1:" + std::to_string(*port)};
  o.retry_initial = std::chrono::milliseconds(1);
  o.retry_max = std::chrono::milliseconds(1);
  HostMetricsReporter reporter(o, registry, clock);
  for (int i = 0; i < 5; ++i) {
    reporter.StepForTest(clock.Monotonic());
    clock.Advance(seconds(10));
  }
  EXPECT_EQ(reporter.buffered(), 3u);
  std::string text = registry.RenderText();
  EXPECT_NE(text.find("kelola_agent_metrics_samples_total{outcome=\"dropped\"} 2"), std::string::npos) << text;
}

TEST_F(FakeProcTest, ReporterDropsABatchTheServerRejects) {
  Receiver receiver(400);
  FakeClock clock;
  MetricsRegistry registry;
  HostMetricsReporterOptions o;
  o.metrics.proc_root = dir_->path();
  o.host = "web-1";
  o.servers = {receiver.url()};
  HostMetricsReporter reporter(o, registry, clock);
  reporter.StepForTest(clock.Monotonic());
  EXPECT_EQ(receiver.bodies().size(), 1u);
  EXPECT_EQ(reporter.buffered(), 0u);
  EXPECT_NE(registry.RenderText().find("kelola_agent_metrics_samples_total{outcome=\"rejected\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace kelola
