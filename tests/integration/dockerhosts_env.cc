#include "tests/integration/dockerhosts_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>

#include "integrations/docker/dockerhosts_rollout.h"
#include "integrations/docker/memory_tar.h"
#include "tests/harness/run_command.h"

namespace kelola::dockerhosts_test {

namespace {

constexpr const char* kBaseImage = "kelola-test/busybox:harness";
constexpr const char* kAppRepo = "kelola-test/dh-app";

}  // namespace

Result<std::unique_ptr<DockerHostsEnv>> DockerHostsEnv::Start(int host_count, const std::string& group) {
  std::unique_ptr<DockerHostsEnv> env(new DockerHostsEnv());
  KELOLA_ASSIGN_OR_RETURN(env->dir_, harness::TempDir::Create("kelola-dockerhosts"));
  KELOLA_ASSIGN_OR_RETURN(env->engine_, harness::DockerEngine::Ensure());
  KELOLA_RETURN_IF_ERROR(env->engine_->BuildBusyboxImage(kBaseImage));
  auto built = harness::RunCommand({std::string(KELOLA_SOURCE_DIR) + "/scripts/build-host-image", kHostImage},
                                   std::chrono::minutes(15));
  if (!built.ok()) return built.status();
  if (built->exit_code != 0) return InternalError("scripts/build-host-image failed:\n" + built->out + built->err);
  KELOLA_ASSIGN_OR_RETURN(env->registry_, harness::DockerRegistry::Start());
  KELOLA_ASSIGN_OR_RETURN(env->docker_, docker::DockerClient::Connect());

  const std::string key_path = env->dir_->File("id_ed25519");
  KELOLA_RETURN_IF_ERROR(
      harness::RunCommandOk({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dockerhosts", "-f", key_path})
          .status());
  KELOLA_ASSIGN_OR_RETURN(std::string private_key, harness::ReadFile(key_path));

  docker::DockerFleetProviderOptions options;
  options.mount_engine_socket = true;
  options.resolve_secret = [private_key](const std::string&) -> Result<std::string> { return private_key; };
  env->provider_ = std::make_shared<docker::DockerFleetProvider>(options);
  ServerGroupSpec& spec = env->spec_;
  spec.name = group;
  spec.provider = "docker";
  spec.image = kHostImage;
  spec.size = "micro";
  spec.count = host_count;
  spec.bootstrap.ssh_key_secret = "dockerhosts-key";
  (void)env->RemoveAppContainers();  // a crashed earlier run's leftovers
  if (auto old = env->provider_->List(spec); old.ok() && !old->empty()) {
    std::vector<std::string> ids;
    for (const ProviderInstance& i : *old) ids.push_back(i.provider_id);
    KELOLA_RETURN_IF_ERROR(env->provider_->Terminate(spec, ids));
  }
  KELOLA_ASSIGN_OR_RETURN(GroupNetwork network, env->provider_->EnsureNetwork(spec));
  std::vector<LaunchSpec> launch;
  for (int i = 1; i <= host_count; ++i) launch.push_back({group + "-" + std::to_string(i), ""});
  KELOLA_ASSIGN_OR_RETURN(std::vector<ProviderInstance> launched, env->provider_->Launch(spec, network, launch));

  // Running, with an address and the host key sshd generated on start.
  env->inventory_.source = "group " + group;
  for (const ProviderInstance& first : launched) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    ProviderInstance now = first;
    while (now.address.empty() || now.host_key.empty()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return UnavailableError("host " + first.host_name + " did not come up: " + now.state_detail);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      KELOLA_ASSIGN_OR_RETURN(now, env->provider_->Describe(spec, first.provider_id));
    }
    FleetHost host;
    host.name = now.host_name;
    host.address = now.address;
    host.port = now.ssh_port;
    host.user = "root";
    host.key_path = key_path;
    host.host_key = now.host_key;
    host.labels = {{"kelola.io/group", group}};
    host.source = "Host/" + now.host_name;
    env->inventory_.hosts.push_back(host);
  }
  // sshd answers a moment after it wrote its key.
  for (const FleetHost& host : env->inventory_.hosts) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      auto options = SshOptionsForHost(env->inventory_, host, nullptr);
      if (!options.ok()) return options.status();
      auto session = SshSession::Connect(*options);
      if (session.ok()) break;
      if (std::chrono::steady_clock::now() > deadline) return session.status();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return env;
}

DockerHostsEnv::~DockerHostsEnv() {
  if (docker_ == nullptr) return;
  (void)RemoveAppContainers();
  if (provider_ != nullptr) {
    if (auto left = provider_->List(spec_); left.ok()) {
      std::vector<std::string> ids;
      for (const ProviderInstance& i : *left) ids.push_back(i.provider_id);
      (void)provider_->Terminate(spec_, ids);
    }
    (void)provider_->DeleteNetwork(spec_);
  }
}

Status DockerHostsEnv::RemoveAppContainers() {
  for (int i = 1; i <= spec_.count; ++i) {
    const std::string host = spec_.name + "-" + std::to_string(i);
    KELOLA_ASSIGN_OR_RETURN(auto apps, docker_->ListContainerInfos({{docker::kDeployHostLabel, host}}));
    for (const docker::ContainerInfo& c : apps) KELOLA_RETURN_IF_ERROR(docker_->RemoveContainer(c.id));
  }
  return OkStatus();
}

std::vector<std::string> DockerHostsEnv::addresses() const {
  std::vector<std::string> out;
  for (const FleetHost& h : inventory_.hosts) out.push_back(h.address);
  return out;
}

Result<std::string> DockerHostsEnv::PushApp(const std::string& version, bool healthy) {
  std::vector<docker::TarEntry> files = {
      {"Dockerfile",
       std::string("FROM ") + kBaseImage +
           "\nCOPY www /www\nEXPOSE 80\nCMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/www\"]\n"},
      {"www/", "", 0755},
      {"www/index.html", version + "\n"}};
  if (healthy) files.push_back({"www/up", "ok\n"});
  KELOLA_ASSIGN_OR_RETURN(std::string tar, docker::MakeTar(files));
  const std::string context = dir_->File("context-" + version + ".tar");
  KELOLA_RETURN_IF_ERROR(harness::WriteFile(context, tar));
  const std::string repo = registry_->host_port() + "/" + kAppRepo;
  docker::BuildParams build;
  build.context_tar = context;
  build.tags = {repo + ":" + version};
  KELOLA_RETURN_IF_ERROR(docker_->Build(build, nullptr, nullptr).status());
  KELOLA_ASSIGN_OR_RETURN(std::string digest, docker_->Push(repo, version, {}, nullptr, nullptr));
  return repo + "@" + digest;
}

Result<std::string> HttpGetOnce(const std::string& address, int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InternalError("socket failed");
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return UnavailableError("connect: " + why);
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return UnavailableError("send failed");
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return UnavailableError("recv: " + why + " after " + std::to_string(reply.size()) + " bytes");
    }
    reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) {
    return UnavailableError("not an HTTP answer: \"" + reply.substr(0, 80) + "\"");
  }
  const std::string status = reply.substr(9, 3);
  if (status != "200") return UnavailableError("HTTP " + status);
  return reply.substr(end + 4);
}

LoadGenerator::LoadGenerator(std::vector<std::string> addresses, int port, int threads_per_host)
    : addresses_(std::move(addresses)), port_(port) {
  for (size_t h = 0; h < addresses_.size(); ++h) {
    for (int t = 0; t < threads_per_host; ++t) threads_.emplace_back([this, h] { Loop(h); });
  }
}

LoadGenerator::~LoadGenerator() { (void)Stop(); }

LoadStats LoadGenerator::Stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard lock(mu_);
  return stats_;
}

void LoadGenerator::Loop(size_t host) {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> failing_since;
  while (!stop_) {
    auto body = HttpGetOnce(addresses_[host], port_);
    // A good answer is a version the test deployed ("v1\n"...).
    const bool good = body.ok() && body->size() >= 3 && (*body)[0] == 'v' && body->back() == '\n';
    const auto now = Clock::now();
    std::lock_guard lock(mu_);
    ++stats_.requests;
    if (good) {
      ++stats_.bodies[*body];
      if (failing_since)
        stats_.longest_outage = std::max<std::chrono::nanoseconds>(stats_.longest_outage, now - *failing_since);
      failing_since.reset();
      continue;
    }
    ++stats_.failures;
    if (!failing_since) failing_since = now;
    if (stats_.failure_samples.size() < 10) {
      stats_.failure_samples.push_back(addresses_[host] + ": " +
                                       (body.ok() ? "unexpected body \"" + *body + "\"" : body.status().message()));
    }
  }
  if (failing_since) {
    std::lock_guard lock(mu_);
    stats_.longest_outage = std::max<std::chrono::nanoseconds>(stats_.longest_outage, Clock::now() - *failing_since);
  }
}

}  // namespace kelola::dockerhosts_test
