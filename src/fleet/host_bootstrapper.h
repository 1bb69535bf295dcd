// HostBootstrapper: takes a booted fleet host from "the provider says it
// runs" to "its first application is installed": waits for sshd, learns the
// host key when the provider could not give it, and applies the group's
// bootstrap runbook (src/ssh/runbook.h) over one SSH session.
//
// Bootstrapping takes minutes, so it is asynchronous: the host controller
// Start()s a job and Poll()s it on later reconciles; the controller's
// workers never wait for a runbook. Jobs live in memory only: after a
// restart Poll() says "no job" and the controller starts it again, which is
// safe because runbook steps are idempotent.
//
// Host keys: a Host whose spec.hostKey is set is verified strictly against
// it. One without (aws, static hosts without host_key) is connected with
// accept-new against a fresh known_hosts file of its own; the key seen is
// reported in BootstrapProgress::host_key, which the controller stores in
// spec.hostKey so every later connection is strict.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ssh/fleet_inventory.h"
#include "store/store.h"

namespace kelola {

struct BootstrapRequest {
  std::string key;           // "Host/<name>": one job per key
  Resource host;             // spec: address, port, user, credentials, hostKey
  std::string runbook_yaml;  // the group's spec.bootstrap.runbook; "" = only reach sshd
  std::string runbook_name;  // for messages: "ServerGroup/web spec.bootstrap.runbook"
  MonoTime deadline{};       // on the bootstrapper's clock; the job gives up then
};

struct BootstrapProgress {
  enum class Phase { kWaitingForSsh, kApplyingRunbook, kSucceeded, kFailed };
  Phase phase = Phase::kWaitingForSsh;
  // What is happening ("waiting for sshd: connection refused (attempt 3)"),
  // or why it failed: the failing step and its stderr tail.
  std::string detail;
  // The host key seen on the first connection ("ssh-ed25519 AAAA..."), when
  // the Host had no spec.hostKey; "" otherwise or until connected.
  std::string host_key;
};

std::string_view BootstrapPhaseName(BootstrapProgress::Phase phase);

class HostBootstrapper {
 public:
  virtual ~HostBootstrapper() = default;
  // Starts a job unless one exists for request.key (then nothing changes).
  // Errors: ResourceExhausted when shut down.
  virtual Status Start(const BootstrapRequest& request) = 0;
  // The job's progress; nullopt when there is none (never started,
  // forgotten, or lost with a restart).
  virtual std::optional<BootstrapProgress> Poll(const std::string& key) = 0;
  // Forgets the job; a running one is cancelled at its next step boundary.
  virtual void Forget(const std::string& key) = 0;
};

struct SshHostBootstrapperOptions {
  SecretResolver resolver;                            // Secrets named by the Host's credentials
  std::string work_dir;                               // per-host known_hosts files while a key is learned
  int max_concurrent = 16;                            // jobs running at once (threads); others queue
  Duration retry_interval = std::chrono::seconds(1);  // between sshd connection attempts
  Clock* clock = nullptr;                             // SystemClock() when null
};

// The real one: a bounded pool of threads, each running one job at a time
// over libssh. The destructor cancels queued jobs and waits for running
// ones to reach a step boundary (a runbook step ends at its own timeout).
class SshHostBootstrapper final : public HostBootstrapper {
 public:
  explicit SshHostBootstrapper(SshHostBootstrapperOptions options);
  ~SshHostBootstrapper() override;
  Status Start(const BootstrapRequest& request) override;
  std::optional<BootstrapProgress> Poll(const std::string& key) override;
  void Forget(const std::string& key) override;

 private:
  struct Job;
  void Work();
  void Run(Job& job);

  SshHostBootstrapperOptions options_;
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutting_down_ = false;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> threads_;
};

// "[127.0.0.1]:2222 ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA...";
// the first usable line of a known_hosts file's text, "" when none.
std::string HostKeyFromKnownHosts(const std::string& known_hosts_text);

}  // namespace kelola
