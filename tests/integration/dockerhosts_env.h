// DockerHostsEnv: what the dockerhosts rollout tests and bench/dockerhosts
// stand on, all real — the Docker engine (tests/harness), a docker-registry
// on loopback, N fleet hosts from the docker provider (the host image of
// scripts/build-host-image: sshd + nginx, the engine socket bind-mounted so
// each host "has" an engine, reached over SSH), and small application
// images: FROM the harness's busybox, `busybox httpd -f -p 80 -h /www`,
// /www/index.html = the version, /www/up for the health check (left out of
// a "bad" version).
//
// LoadGenerator: threads sending GET / continuously to each host's proxy
// (a fresh TCP connection per request, HTTP/1.0), counting requests,
// failures (anything but a 200 with a known body) and the longest time a
// host answered nothing good.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "fleet/server_group.h"
#include "integrations/docker/docker_client.h"
#include "integrations/docker/docker_fleet_provider.h"
#include "ssh/fleet_inventory.h"
#include "tests/harness/docker_engine.h"
#include "tests/harness/docker_registry.h"
#include "tests/harness/temp_dir.h"

namespace kelola::dockerhosts_test {

inline constexpr const char* kHostImage = "kelola-host:bookworm";

class DockerHostsEnv {
 public:
  // Starts everything; `group` names the fleet group (and its containers).
  static Result<std::unique_ptr<DockerHostsEnv>> Start(int host_count, const std::string& group);
  ~DockerHostsEnv();  // removes app containers of `group`'s hosts, the hosts, the network

  // Builds, pushes and returns "127.0.0.1:PORT/kelola-test/dh-app@sha256:...".
  Result<std::string> PushApp(const std::string& version, bool healthy);

  const FleetInventory& inventory() const { return inventory_; }
  std::vector<std::string> addresses() const;
  docker::DockerClient& docker() { return *docker_; }
  harness::DockerRegistry& registry() { return *registry_; }
  const std::string& group() const { return spec_.name; }
  // Removes every app container deployed to this env's hosts.
  Status RemoveAppContainers();

 private:
  DockerHostsEnv() = default;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::DockerEngine> engine_;
  std::unique_ptr<harness::DockerRegistry> registry_;
  std::unique_ptr<docker::DockerClient> docker_;
  std::shared_ptr<docker::DockerFleetProvider> provider_;
  ServerGroupSpec spec_;
  FleetInventory inventory_;
};

// GET http://address:port/ once; the body on a 200, else an error.
Result<std::string> HttpGetOnce(const std::string& address, int port, const std::string& path = "/");

struct LoadStats {
  int64_t requests = 0;
  int64_t failures = 0;
  std::vector<std::string> failure_samples;    // the first few, with host and why
  std::map<std::string, int64_t> bodies;       // body -> count
  std::chrono::nanoseconds longest_outage{0};  // longest run of failures on one host
};

class LoadGenerator {
 public:
  LoadGenerator(std::vector<std::string> addresses, int port, int threads_per_host);
  ~LoadGenerator();
  LoadStats Stop();

 private:
  void Loop(size_t host);
  std::vector<std::string> addresses_;
  int port_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  LoadStats stats_;
  std::vector<std::thread> threads_;
};

}  // namespace kelola::dockerhosts_test
