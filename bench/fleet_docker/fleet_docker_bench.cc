// Docker fleet provider: time from EnsureNetwork to N hosts answering SSH.
// Usage: kelola_fleet_docker_bench [HOSTS] [ROUNDS] [IMAGE] [PRIVATE_KEY_FILE]
// Environment: LAUNCH_PARALLELISM (DockerFleetProviderOptions, default 4).
// Each round: EnsureNetwork, Launch(HOSTS) with the bootstrap key (its public
// half goes into authorized_keys), then waits until every host's port 22
// sends its "SSH-2.0" banner and its host key is readable (List); then
// Terminate + DeleteNetwork, also timed. Prints one line per round and the
// median. Needs the image (scripts/build-host-image) and a running dockerd.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integrations/docker/docker_fleet_provider.h"

namespace {

using Steady = std::chrono::steady_clock;

double Ms(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// True once address:22 accepts and sends an SSH banner.
bool SshBanner(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(22);
  bool ok = ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) == 1 &&
            ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (ok) {
    pollfd p{fd, POLLIN, 0};
    char buf[8] = {};
    ok = ::poll(&p, 1, 2000) == 1 && ::recv(fd, buf, 7, 0) == 7 && std::string(buf, 7) == "SSH-2.0";
  }
  ::close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kelola;
  const int hosts = argc > 1 ? std::stoi(argv[1]) : 10;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 3;
  const std::string image = argc > 3 ? argv[3] : "kelola-host:bookworm";
  std::string private_key;
  if (argc > 4) {
    std::ifstream in(argv[4]);
    std::stringstream s;
    s << in.rdbuf();
    private_key = s.str();
  }
  docker::DockerFleetProviderOptions options;
  if (const char* p = std::getenv("LAUNCH_PARALLELISM")) options.launch_parallelism = std::atoi(p);
  options.resolve_secret = [&](const std::string&) -> Result<std::string> { return private_key; };
  docker::DockerFleetProvider provider(options);
  std::vector<double> totals;
  for (int round = 0; round < rounds; ++round) {
    ServerGroupSpec spec;
    spec.name = "kbench" + std::to_string(::getpid()) + "-" + std::to_string(round);
    spec.provider = "docker";
    spec.image = image;
    spec.size = "nano";
    if (!private_key.empty()) spec.bootstrap.ssh_key_secret = "bench-key";
    std::vector<LaunchSpec> launch;
    for (int i = 1; i <= hosts; ++i) launch.push_back({spec.name + "-" + std::to_string(i), "t" + std::to_string(i)});
    const auto t0 = Steady::now();
    auto network = provider.EnsureNetwork(spec);
    if (!network.ok()) {
      std::fprintf(stderr, "EnsureNetwork: %s\n", network.status().ToString().c_str());
      return 1;
    }
    const auto t1 = Steady::now();
    auto launched = provider.Launch(spec, *network, launch);
    if (!launched.ok()) {
      std::fprintf(stderr, "Launch: %s\n", launched.status().ToString().c_str());
      (void)provider.DeleteNetwork(spec);
      return 1;
    }
    const auto t2 = Steady::now();
    std::vector<bool> up(launched->size(), false);
    size_t reachable = 0;
    const auto deadline = t2 + std::chrono::seconds(120);
    while (reachable < up.size() && Steady::now() < deadline) {
      for (size_t i = 0; i < up.size(); ++i) {
        if (!up[i] && SshBanner((*launched)[i].address)) {
          up[i] = true;
          ++reachable;
        }
      }
      if (reachable < up.size()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto t3 = Steady::now();
    auto listed = provider.List(spec);  // reads every host key (exec)
    size_t keys = 0;
    if (listed.ok()) {
      for (const ProviderInstance& i : *listed) keys += i.host_key.empty() ? 0 : 1;
    }
    const auto t4 = Steady::now();
    std::vector<std::string> ids;
    for (const ProviderInstance& i : *launched) ids.push_back(i.provider_id);
    Status terminated = provider.Terminate(spec, ids);
    Status deleted = provider.DeleteNetwork(spec);
    const auto t5 = Steady::now();
    std::printf(
        "round %d: hosts=%d ensure_network=%.0fms launch=%.0fms (%.0fms/host) ssh_up=%.0fms total=%.0fms "
        "reachable=%zu list_with_host_keys=%.0fms keys=%zu teardown=%.0fms%s\n",
        round + 1, hosts, Ms(t0, t1), Ms(t1, t2), Ms(t1, t2) / hosts, Ms(t2, t3), Ms(t0, t3), reachable, Ms(t3, t4),
        keys, Ms(t4, t5), terminated.ok() && deleted.ok() ? "" : " (teardown failed)");
    if (reachable != up.size()) return 1;
    totals.push_back(Ms(t0, t3));
  }
  std::sort(totals.begin(), totals.end());
  std::printf("median EnsureNetwork+Launch+SSH up for %d hosts (launch_parallelism %d): %.0f ms over %d rounds\n",
              hosts, options.launch_parallelism, totals[totals.size() / 2], rounds);
  return 0;
}
