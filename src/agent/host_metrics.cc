#include "agent/host_metrics.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "base/backoff.h"
#include "base/logging.h"

namespace kelola {
namespace {

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError("cannot read " + path);
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > (4u << 20)) return InvalidArgumentError(path + ": larger than 4 MiB");
  }
  return text;
}

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

HttpClientOptions ClientOptions(const HostMetricsReporterOptions& o) {
  HttpClientOptions c;
  c.timeout = o.timeout;
  c.max_retries = 0;  // the reporter owns retries
  c.verify_tls = o.verify_tls;
  c.ca_file = o.ca_file;
  c.user_agent = "kelola-agent";
  return c;
}

constexpr size_t kBatchMaxSamples = 100;

}  // namespace

HostMetricsSampler::HostMetricsSampler(std::string proc_root, std::vector<std::string> disk_mounts)
    : proc_root_(std::move(proc_root)), mounts_(std::move(disk_mounts)) {}

HostReading HostMetricsSampler::Sample(MonoTime now) {
  HostReading r;
  auto note = [&r](const Status& s) { r.errors.push_back(s.message()); };
  if (auto text = ReadSmallFile(proc_root_ + "/stat"); !text.ok()) {
    note(text.status());
  } else if (auto cpu = metrics::ParseProcStat(*text); !cpu.ok()) {
    note(cpu.status());
  } else {
    if (last_cpu_ && now > last_cpu_->first) {
      r.values.emplace_back("cpu_busy_percent", metrics::CpuBusyPercent(last_cpu_->second, *cpu));
    }
    last_cpu_ = {now, *cpu};
  }
  if (auto text = ReadSmallFile(proc_root_ + "/loadavg"); !text.ok()) {
    note(text.status());
  } else if (auto load = metrics::ParseLoadAvg(*text); !load.ok()) {
    note(load.status());
  } else {
    r.values.emplace_back("load1", load->load1);
    r.values.emplace_back("load5", load->load5);
    r.values.emplace_back("load15", load->load15);
  }
  if (auto text = ReadSmallFile(proc_root_ + "/meminfo"); !text.ok()) {
    note(text.status());
  } else if (auto mem = metrics::ParseMemInfo(*text); !mem.ok()) {
    note(mem.status());
  } else {
    r.values.emplace_back("memory_used_percent", metrics::MemoryUsedPercent(*mem));
  }
  if (auto text = ReadSmallFile(proc_root_ + "/net/dev"); !text.ok()) {
    note(text.status());
  } else if (auto net = metrics::ParseNetDev(*text); !net.ok()) {
    note(net.status());
  } else {
    if (last_net_ && now > last_net_->first) {
      metrics::NetBytes d = metrics::NetDelta(last_net_->second, *net);
      double secs = Seconds(now - last_net_->first);
      r.values.emplace_back("network_receive_bytes_per_second", static_cast<double>(d.rx) / secs);
      r.values.emplace_back("network_transmit_bytes_per_second", static_cast<double>(d.tx) / secs);
    }
    last_net_ = {now, std::move(*net)};
  }
  double fullest = -1;
  for (const auto& mount : mounts_) {
    struct statvfs st {};
    if (::statvfs(mount.c_str(), &st) != 0) {
      note(UnavailableError("statvfs " + mount + " failed"));
      continue;
    }
    // As df: used / (used + available to unprivileged users).
    double used = static_cast<double>(st.f_blocks - st.f_bfree);
    double denom = used + static_cast<double>(st.f_bavail);
    double pct = denom > 0 ? 100.0 * used / denom : 0;
    r.disk_by_mount[mount] = pct;
    fullest = std::max(fullest, pct);
  }
  if (fullest >= 0) r.values.emplace_back("disk_used_percent", fullest);
  return r;
}

HostMetricsReporter::HostMetricsReporter(HostMetricsReporterOptions options, MetricsRegistry& registry, Clock& clock)
    : options_(std::move(options)),
      registry_(registry),
      clock_(clock),
      sampler_(options_.metrics.proc_root, options_.metrics.disk_mounts),
      http_(ClientOptions(options_)),
      samples_(registry.AddCounter("kelola_agent_metrics_samples_total",
                                   "Host metric samples: sent to the server, dropped (buffer full) or rejected.",
                                   {"outcome"})),
      buffered_gauge_(
          registry.AddGauge("kelola_agent_metrics_buffered_samples", "Host metric samples waiting to be sent.")) {}

HostMetricsReporter::~HostMetricsReporter() { Stop(); }

void HostMetricsReporter::Start() {
  // The gauges have values before the first scrape; the first send is the
  // thread's, so a slow server does not hold up the agent's start.
  TakeSample();
  next_sample_ = clock_.Monotonic() + options_.metrics.interval;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      MonoTime wake = next_sample_;
      if (!buffer_.empty()) wake = std::min(wake, next_send_);
      clock_.WaitUntil(lock, cv_, wake);
      if (stop_) break;
      lock.unlock();
      Step(clock_.Monotonic());
      lock.lock();
    }
  });
}

void HostMetricsReporter::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t HostMetricsReporter::buffered() const {
  std::lock_guard lock(mu_);
  return buffer_.size();
}

void HostMetricsReporter::Step(MonoTime now) {
  if (now >= next_sample_) {
    TakeSample();
    next_sample_ = now + options_.metrics.interval;
  }
  if (now >= next_send_) SendSome(now);
}

void HostMetricsReporter::TakeSample() {
  HostReading r = sampler_.Sample(clock_.Monotonic());
  for (const auto& e : r.errors) LogWarn("host metrics: reading failed", {{"error", e}});
  for (const auto& [name, value] : r.values) {
    if (name == "disk_used_percent") continue;  // per mount below
    registry_.AddGauge("kelola_host_" + name, "Host metric " + name + " (docs/metrics.md).").Get().Set(value);
  }
  auto& disk =
      registry_.AddGauge("kelola_host_disk_used_percent",
                         "Used share of the filesystem's blocks available to users, by mount point.", {"mountpoint"});
  for (const auto& [mount, pct] : r.disk_by_mount) disk.WithLabels({mount}).Set(pct);
  if (options_.servers.empty() || r.values.empty()) return;
  std::lock_guard lock(mu_);
  buffer_.push_back({UnixMillis(clock_.Now()), std::move(r.values)});
  while (buffer_.size() > options_.metrics.buffer_max_samples) {
    buffer_.pop_front();
    samples_.WithLabels({"dropped"}).Inc();
  }
  buffered_gauge_.Get().Set(static_cast<double>(buffer_.size()));
}

void HostMetricsReporter::SendSome(MonoTime now) {
  metrics::SampleBatch batch;
  batch.host = options_.host;
  batch.group = options_.metrics.group;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < buffer_.size() && i < kBatchMaxSamples; ++i) batch.samples.push_back(buffer_[i]);
  }
  if (batch.samples.empty()) return;
  Status s = SendBatch(metrics::EncodeSampleBatch(batch));
  if (s.ok() || s.code() == StatusCode::kInvalidArgument) {
    if (!s.ok()) LogWarn("host metrics: the server rejected a batch; dropped", {{"error", s.ToString()}});
    std::lock_guard lock(mu_);
    // Only the batch's samples leave: new ones may have been added meanwhile,
    // and old ones dropped (then fewer than sent are at the front).
    size_t n = std::min(batch.samples.size(), buffer_.size());
    for (size_t i = 0; i < n && buffer_.front().time_ms <= batch.samples.back().time_ms; ++i) buffer_.pop_front();
    samples_.WithLabels({s.ok() ? "sent" : "rejected"}).Inc(static_cast<double>(batch.samples.size()));
    buffered_gauge_.Get().Set(static_cast<double>(buffer_.size()));
    failures_ = 0;
    next_send_ = now;
    return;
  }
  static thread_local std::mt19937_64 random{std::random_device{}()};
  Duration delay = BackoffDelay(failures_, options_.retry_initial, options_.retry_max,
                                std::uniform_real_distribution<double>(0, 1)(random));
  if (failures_ < 62) ++failures_;
  next_send_ = now + delay;
  if (failures_ == 1) LogWarn("host metrics: sending failed; retrying", {{"error", s.ToString()}});
}

Status HostMetricsReporter::SendBatch(const std::string& body) {
  Status last = OkStatus();
  for (size_t tried = 0; tried < options_.servers.size(); ++tried) {
    const size_t index = (current_server_ + tried) % options_.servers.size();
    ClientRequest req;
    req.method = "POST";
    req.url = options_.servers[index] + "/v1/metrics/samples";
    req.headers["Content-Type"] = "application/json";
    if (!options_.token.empty()) req.headers["Authorization"] = "Bearer " + options_.token;
    req.body = body;
    req.retry = false;
    auto resp = http_.Send(req);
    if (!resp.ok()) {
      last = UnavailableError("sending host metrics to " + options_.servers[index] + ": " + resp.status().message());
      continue;
    }
    std::string why = resp->body.substr(0, 512);
    if (resp->status == 200) {
      current_server_ = index;
      return OkStatus();
    }
    if (resp->status == 400 || resp->status == 413) return InvalidArgumentError("server rejected samples: " + why);
    if (resp->status == 401 || resp->status == 403) return UnauthenticatedError("server refused the token: " + why);
    last = UnavailableError("server answered HTTP " + std::to_string(resp->status) + ": " + why);
  }
  return last;
}

}  // namespace kelola
