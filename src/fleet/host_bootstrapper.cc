// SshHostBootstrapper: a bounded pool of threads; each job connects to one
// host with retries until sshd answers (and accepts our key: cloud-init may
// install it after sshd starts), then applies the runbook on that session
// with the same ApplyRunbook `kelola exec --runbook` uses.
#include "fleet/host_bootstrapper.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/logging.h"
#include "ssh/runbook.h"
#include "ssh/ssh_session.h"

namespace kelola {

struct SshHostBootstrapper::Job {
  BootstrapRequest request;
  std::mutex mu;
  std::condition_variable cv;  // wakes a retry wait on cancellation
  BootstrapProgress progress;
  bool cancelled = false;
};

namespace {

constexpr Duration kMaxConnectTimeout = std::chrono::seconds(10);
constexpr size_t kStderrTail = 400;

std::string FileSafe(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '_';
  }
  return out;
}

std::string Tail(const std::string& text, size_t max) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.size() <= max) return t;
  return "..." + t.substr(t.size() - max);
}

std::string Seconds(Duration d) {
  std::ostringstream out;
  out << std::chrono::duration_cast<std::chrono::seconds>(d).count() << "s";
  return out.str();
}

}  // namespace

std::string_view BootstrapPhaseName(BootstrapProgress::Phase phase) {
  switch (phase) {
    case BootstrapProgress::Phase::kWaitingForSsh: return "waiting-for-ssh";
    case BootstrapProgress::Phase::kApplyingRunbook: return "applying-runbook";
    case BootstrapProgress::Phase::kSucceeded: return "succeeded";
    case BootstrapProgress::Phase::kFailed: return "failed";
  }
  return "unknown";
}

std::string HostKeyFromKnownHosts(const std::string& known_hosts_text) {
  std::istringstream in(known_hosts_text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string first, type, base64;
    if (!(fields >> first) || first[0] == '#') continue;
    if (first[0] == '@') {  // @cert-authority / @revoked: not a plain host key
      continue;
    }
    if (!(fields >> type >> base64)) continue;
    return type + " " + base64;
  }
  return "";
}

SshHostBootstrapper::SshHostBootstrapper(SshHostBootstrapperOptions options)
    : options_(std::move(options)), clock_(options_.clock != nullptr ? *options_.clock : SystemClock()) {
  const int threads = std::clamp(options_.max_concurrent, 1, 256);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

SshHostBootstrapper::~SshHostBootstrapper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (auto& [key, job] : jobs_) {
      std::lock_guard<std::mutex> job_lock(job->mu);
      job->cancelled = true;
      job->cv.notify_all();
    }
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Status SshHostBootstrapper::Start(const BootstrapRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return ResourceExhaustedError("the bootstrapper is shutting down");
  if (jobs_.count(request.key) > 0) return OkStatus();
  auto job = std::make_shared<Job>();
  job->request = request;
  job->progress.detail = "queued for bootstrap";
  jobs_[request.key] = job;
  queue_.push_back(job);
  cv_.notify_one();
  return OkStatus();
}

std::optional<BootstrapProgress> SshHostBootstrapper::Poll(const std::string& key) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(key);
    if (it == jobs_.end()) return std::nullopt;
    job = it->second;
  }
  std::lock_guard<std::mutex> lock(job->mu);
  return job->progress;
}

void SshHostBootstrapper::Forget(const std::string& key) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(key);
    if (it == jobs_.end()) return;
    job = it->second;
    jobs_.erase(it);
    queue_.erase(std::remove(queue_.begin(), queue_.end(), job), queue_.end());
  }
  std::lock_guard<std::mutex> lock(job->mu);
  job->cancelled = true;
  job->cv.notify_all();
}

void SshHostBootstrapper::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return shutting_down_ || !queue_.empty(); });
      if (shutting_down_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    Run(*job);
  }
}

void SshHostBootstrapper::Run(Job& job) {
  const BootstrapRequest& request = job.request;
  auto set = [&](BootstrapProgress::Phase phase, const std::string& detail) {
    std::lock_guard<std::mutex> lock(job.mu);
    job.progress.phase = phase;
    job.progress.detail = detail;
  };
  auto fail = [&](const std::string& detail) { set(BootstrapProgress::Phase::kFailed, detail); };
  auto cancelled = [&] {
    std::lock_guard<std::mutex> lock(job.mu);
    return job.cancelled;
  };

  std::optional<Runbook> book;
  if (!request.runbook_yaml.empty()) {
    auto parsed = ParseRunbook(request.runbook_yaml, request.runbook_name, "");
    if (!parsed.ok()) return fail("the runbook does not parse: " + parsed.status().message());
    book = std::move(*parsed);
  }

  // A Host without spec.hostKey gets a known_hosts file of its own, empty,
  // so accept-new trusts exactly the key of this first connection.
  std::error_code ec;
  std::filesystem::create_directories(options_.work_dir, ec);
  const std::string known_hosts = options_.work_dir + "/" + FileSafe(request.host.name) + ".known_hosts";
  std::filesystem::remove(known_hosts, ec);
  auto inventory = FleetInventoryFromHosts({request.host}, known_hosts);
  if (!inventory.ok()) return fail(inventory.status().message());
  if (inventory->hosts.empty()) return fail("Host/" + request.host.name + " is not a Host");
  const FleetHost& host = inventory->hosts[0];
  const bool learn_key = host.host_key.empty();
  if (learn_key) inventory->host_key_policy = HostKeyPolicy::kAcceptNew;
  auto options = SshOptionsForHost(*inventory, host, options_.resolver);
  if (!options.ok()) return fail(options.status().message());
  options->clock = &clock_;

  std::unique_ptr<SshSession> session;
  std::string last_error = "not tried yet";
  for (int attempt = 1;; ++attempt) {
    if (cancelled()) return fail("cancelled");
    const Duration left = request.deadline - clock_.Monotonic();
    if (left <= Duration::zero()) {
      return fail("sshd on " + host.address + ":" + std::to_string(host.port) + " did not accept us before the " +
                  "bootstrap timeout (" + std::to_string(attempt - 1) + " attempts; last: " + last_error + ")");
    }
    options->connect_timeout = std::min(left, kMaxConnectTimeout);
    auto connected = SshSession::Connect(*options);
    if (connected.ok()) {
      session = std::move(*connected);
      break;
    }
    last_error = connected.status().message();
    const StatusCode code = connected.status().code();
    // A refused host key or bad options will not fix themselves; a closed
    // port or a key cloud-init has not installed yet will.
    if (code == StatusCode::kPermissionDenied || code == StatusCode::kInvalidArgument) return fail(last_error);
    set(BootstrapProgress::Phase::kWaitingForSsh,
        "waiting for sshd: " + last_error + " (attempt " + std::to_string(attempt) + ")");
    std::unique_lock<std::mutex> lock(job.mu);
    const MonoTime until = std::min(clock_.Monotonic() + options_.retry_interval, request.deadline);
    while (!job.cancelled && clock_.Monotonic() < until) clock_.WaitUntil(lock, job.cv, until);
  }

  if (learn_key) {
    std::ifstream in(known_hosts);
    std::stringstream text;
    text << in.rdbuf();
    const std::string key = HostKeyFromKnownHosts(text.str());
    std::filesystem::remove(known_hosts, ec);
    if (key.empty()) return fail("connected, but the host key was not recorded in " + known_hosts);
    std::lock_guard<std::mutex> lock(job.mu);
    job.progress.host_key = key;
  }
  if (!book) return set(BootstrapProgress::Phase::kSucceeded, "sshd answered; no runbook to apply");

  set(BootstrapProgress::Phase::kApplyingRunbook, "applying " + request.runbook_name);
  const MonoTime start = clock_.Monotonic();
  HostRunResult result;
  result.host = host.name;
  ApplyRunbook(*session, host, *book, result);
  if (result.state != HostRunResult::State::kOk) {
    std::string detail = "runbook " + result.error;
    const std::string tail = Tail(result.err, kStderrTail);
    if (!tail.empty() && detail.find(tail) == std::string::npos) detail += "; stderr: " + tail;
    return fail(detail);
  }
  int changed = 0;
  for (const StepReport& step : result.steps) changed += step.state == "changed";
  set(BootstrapProgress::Phase::kSucceeded, "runbook applied in " + Seconds(clock_.Monotonic() - start) + ": " +
                                                std::to_string(result.steps.size()) + " steps, " +
                                                std::to_string(changed) + " changed");
}

}  // namespace kelola
