#include "integrations/docker/docker_fleet_provider.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <thread>

#include "integrations/docker/authorized_key.h"
#include "integrations/docker/image_reference.h"
#include "integrations/docker/memory_tar.h"
#include "integrations/docker/passwd_entry.h"

namespace kelola::docker {
namespace {

constexpr int64_t kMiB = 1024 * 1024;
constexpr int64_t kNanoCpu = 1'000'000'000;
constexpr const char* kHostKeyPath = "/etc/ssh/ssh_host_ed25519_key.pub";
constexpr const char* kUserDataPath = "/var/lib/kelola/user-data";
// Fixed text (no input from anyone): runs the uploaded user-data script
// once per container — mkdir is the atomic "already started" marker.
constexpr const char* kRunUserData =
    "mkdir /var/lib/kelola/user-data.started 2>/dev/null || exit 0; "
    "/var/lib/kelola/user-data >/var/log/kelola-user-data.log 2>&1; "
    "echo $? >/var/lib/kelola/user-data.exit";

ProviderInstance::State StateOf(const std::string& state) {
  if (state == "running") return ProviderInstance::State::kRunning;
  if (state == "created" || state == "restarting") return ProviderInstance::State::kPending;
  if (state == "exited" || state == "dead" || state == "paused") return ProviderInstance::State::kStopped;
  if (state == "removing") return ProviderInstance::State::kTerminated;
  return ProviderInstance::State::kUnknown;
}

std::string StateDetail(const ContainerInfo& info) {
  if (info.state == "exited" || info.state == "dead") {
    return info.state + " (" + std::to_string(info.exit_code) + ")" + (info.oom_killed ? ", out of memory" : "");
  }
  return info.state.empty() ? "unknown" : info.state;
}

bool IsOurs(const ContainerInfo& info, const std::map<std::string, std::string>& group_labels) {
  for (const auto& [key, value] : group_labels) {
    auto it = info.labels.find(key);
    if (it == info.labels.end() || it->second != value) return false;
  }
  return true;
}

// fn(0..n-1) on up to `parallelism` threads (the caller's among them).
void ParallelFor(size_t n, int parallelism, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, parallelism)));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
}

// The login user's ids and home: root without asking; another user from
// the image's /etc/passwd, read out of the created container.
Result<PasswdEntry> LoginUser(DockerClient& docker, const std::string& id, const ServerGroupSpec& spec) {
  const std::string& name = spec.bootstrap.ssh_user;
  if (name == "root") return PasswdEntry{"root", 0, 0, "/root"};
  auto tar = docker.GetArchive(id, "/etc/passwd");
  if (tar.status().code() == StatusCode::kNotFound) {
    return FailedPreconditionError("spec.bootstrap.sshUser: image " + spec.image + " has no /etc/passwd");
  }
  KELOLA_RETURN_IF_ERROR(tar.status());
  auto passwd = ReadFirstTarFile(*tar);
  if (!passwd.ok()) {
    return InternalError("reading /etc/passwd of image " + spec.image + ": " + passwd.status().message());
  }
  auto entry = FindPasswdEntry(*passwd, name);
  if (entry.status().code() == StatusCode::kNotFound) {
    return FailedPreconditionError("spec.bootstrap.sshUser: image " + spec.image + " has no user " + name);
  }
  if (!entry.ok()) return FailedPreconditionError("spec.bootstrap.sshUser: " + entry.status().message());
  return entry;
}

}  // namespace

struct DockerFleetProvider::LaunchContext {
  std::string network;  // ID or name
  DockerSize size;
  std::string authorized_key;  // "" = none
};

Result<DockerSize> DockerSizeFor(const std::string& size) {
  static const std::map<std::string, DockerSize> kSizes = {
      {"nano", {kNanoCpu / 4, 128 * kMiB}},   {"micro", {kNanoCpu / 2, 256 * kMiB}},
      {"small", {kNanoCpu, 512 * kMiB}},      {"medium", {2 * kNanoCpu, 1024 * kMiB}},
      {"large", {4 * kNanoCpu, 2048 * kMiB}},
  };
  auto it = kSizes.find(size.empty() ? "small" : size);
  if (it == kSizes.end()) {
    return InvalidArgumentError("spec.size: \"" + size +
                                "\" is not a docker size (known: nano, micro, small, medium, large)");
  }
  return it->second;
}

DockerFleetProvider::DockerFleetProvider(DockerFleetProviderOptions options) : options_(std::move(options)) {}

Result<DockerClient*> DockerFleetProvider::Client() {
  std::lock_guard lock(mu_);
  if (!client_) {
    DockerClientOptions client_options;
    client_options.socket_path = options_.socket_path;
    client_options.request_timeout = options_.request_timeout;
    KELOLA_ASSIGN_OR_RETURN(client_, DockerClient::Connect(client_options));
  }
  return client_.get();
}

std::map<std::string, std::string> DockerFleetProvider::GroupLabels(const ServerGroupSpec& spec) const {
  return {{kFleetDockerGroupLabel, spec.name}, {kFleetDockerManagedByLabel, options_.managed_by}};
}

Status DockerFleetProvider::Validate(const ServerGroupSpec& spec) const {
  if (spec.image.empty()) {
    return InvalidArgumentError(
        "spec.image: the docker provider needs an image running sshd (kelola-host:bookworm is built by "
        "scripts/build-host-image)");
  }
  if (auto ref = ParseImageReference(spec.image); !ref.ok()) {
    return InvalidArgumentError("spec.image: " + ref.status().message());
  }
  KELOLA_RETURN_IF_ERROR(DockerSizeFor(spec.size).status());
  KELOLA_RETURN_IF_ERROR(CheckEngineName(NetworkName(spec), "network name for group \"" + spec.name + "\""));
  const std::string& user_data = spec.bootstrap.user_data;
  if (!user_data.empty() && user_data.rfind("#!", 0) != 0) {
    const bool cloud_config = user_data.rfind("#cloud-config", 0) == 0;
    return InvalidArgumentError(std::string("spec.bootstrap.userData: ") +
                                (cloud_config ? "#cloud-config needs cloud-init, which containers do not run; " : "") +
                                "the docker provider runs only a shell script (first line \"#!...\") after boot");
  }
  const std::string& user = spec.bootstrap.ssh_user;
  const bool user_ok = !user.empty() && user.size() <= 32 &&
                       (std::islower(static_cast<unsigned char>(user[0])) || user[0] == '_') &&
                       std::all_of(user.begin(), user.end(), [](char c) {
                         return std::islower(static_cast<unsigned char>(c)) ||
                                std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
                       });
  if (!user_ok) {
    return InvalidArgumentError("spec.bootstrap.sshUser: \"" + user + "\" is not a user name ([a-z_][a-z0-9_.-]*)");
  }
  if (spec.bootstrap.ssh_port != 22) {
    return InvalidArgumentError("spec.bootstrap.sshPort: the docker provider's containers answer SSH on port 22, got " +
                                std::to_string(spec.bootstrap.ssh_port));
  }
  return OkStatus();
}

Result<GroupNetwork> DockerFleetProvider::EnsureNetwork(const ServerGroupSpec& spec) {
  KELOLA_RETURN_IF_ERROR(Validate(spec));
  KELOLA_ASSIGN_OR_RETURN(DockerClient * docker, Client());
  const auto labels = GroupLabels(spec);
  const std::string name = NetworkName(spec);
  auto found = [&](const NetworkInfo& n) {
    GroupNetwork network;
    network.ids["network"] = n.id;
    return network;
  };
  KELOLA_ASSIGN_OR_RETURN(std::vector<NetworkInfo> existing, docker->ListNetworks(labels));
  for (const NetworkInfo& n : existing) {
    if (n.name == name) return found(n);
  }
  if (!existing.empty()) return found(existing.front());  // renamed prefix: still the group's
  NetworkParams params;
  params.name = name;
  params.labels = labels;
  const auto& net = spec.network;
  if (!net.vpc_cidr.empty()) {
    params.subnet = net.vpc_cidr;
    if (!net.subnet_cidrs.empty()) params.ip_range = net.subnet_cidrs.front();
  } else if (!net.subnet_cidrs.empty()) {
    params.subnet = net.subnet_cidrs.front();
  }
  auto created = docker->CreateNetwork(params);
  if (created.ok()) {
    GroupNetwork network;
    network.ids["network"] = *created;
    return network;
  }
  if (created.status().code() == StatusCode::kAlreadyExists) {
    // Created meanwhile by another call, or someone else's network.
    KELOLA_ASSIGN_OR_RETURN(NetworkInfo n, docker->InspectNetwork(name));
    for (const auto& [key, value] : labels) {
      auto it = n.labels.find(key);
      if (it == n.labels.end() || it->second != value) {
        return FailedPreconditionError("a Docker network named " + name + " exists and is not group " + spec.name +
                                       "'s (labels differ): remove or rename it");
      }
    }
    return found(n);
  }
  if (created.status().code() == StatusCode::kFailedPrecondition) {
    const std::string field = net.vpc_cidr.empty() ? "spec.network.subnets[0]" : "spec.network.vpcCidr";
    return InvalidArgumentError(field + ": " + created.status().message());
  }
  return created.status();
}

Result<std::vector<ProviderInstance>> DockerFleetProvider::Launch(const ServerGroupSpec& spec,
                                                                  const GroupNetwork& network,
                                                                  const std::vector<LaunchSpec>& hosts) {
  KELOLA_RETURN_IF_ERROR(Validate(spec));
  KELOLA_ASSIGN_OR_RETURN(DockerClient * docker, Client());
  std::vector<ProviderInstance> out;
  if (hosts.empty()) return out;
  LaunchContext context;
  auto net = network.ids.find("network");
  context.network = net != network.ids.end() && !net->second.empty() ? net->second : NetworkName(spec);
  auto image = docker->InspectImage(spec.image);
  if (image.status().code() == StatusCode::kNotFound) {
    return FailedPreconditionError("image " + spec.image + " not found: build it with scripts/build-host-image");
  }
  KELOLA_RETURN_IF_ERROR(image.status());
  KELOLA_ASSIGN_OR_RETURN(context.size, DockerSizeFor(spec.size));
  int cpus = 0;
  {
    std::lock_guard lock(mu_);
    cpus = cpus_;
  }
  if (cpus == 0) {
    KELOLA_ASSIGN_OR_RETURN(cpus, docker->CpuCount());
    std::lock_guard lock(mu_);
    cpus_ = cpus;
  }
  // The engine refuses a limit above the CPUs it has.
  context.size.nano_cpus = std::min<int64_t>(context.size.nano_cpus, int64_t{cpus} * kNanoCpu);
  if (!spec.bootstrap.ssh_key_secret.empty()) {
    if (!options_.resolve_secret) {
      return FailedPreconditionError("spec.bootstrap.sshKeySecret: the docker provider was given no secret resolver");
    }
    auto private_key = options_.resolve_secret(spec.bootstrap.ssh_key_secret);
    if (!private_key.ok()) {
      return Status(private_key.status().code(), "spec.bootstrap.sshKeySecret " + spec.bootstrap.ssh_key_secret + ": " +
                                                     private_key.status().message());
    }
    auto key = AuthorizedKeyFor(*private_key);
    if (!key.ok()) {
      return InvalidArgumentError("spec.bootstrap.sshKeySecret " + spec.bootstrap.ssh_key_secret + ": " +
                                  key.status().message());
    }
    context.authorized_key = *key + "\n";
  }
  // Hosts in parallel (the engine's start is the slow part, ~0.5-1 s each);
  // every host is attempted, the first error (in host order) is returned —
  // what did launch is labelled and found again by the next Launch or List.
  std::vector<Result<ProviderInstance>> results(hosts.size(), Result<ProviderInstance>(UnknownError("not launched")));
  ParallelFor(hosts.size(), options_.launch_parallelism, [&](size_t i) {
    auto id = LaunchOne(*docker, spec, context, hosts[i]);
    if (!id.ok()) {
      results[i] = id.status();
      return;
    }
    auto info = docker->InspectContainer(*id);
    results[i] = info.ok() ? Result<ProviderInstance>(ToInstance(*docker, *info)) : info.status();
  });
  for (auto& r : results) {
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::string> DockerFleetProvider::LaunchOne(DockerClient& docker, const ServerGroupSpec& spec,
                                                   const LaunchContext& context, const LaunchSpec& host) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(host.host_name, "host name"));
  const auto group_labels = GroupLabels(spec);
  ContainerParams params;
  params.image = spec.image;
  params.name = host.host_name;
  params.hostname = host.host_name.substr(0, 63);
  params.network = context.network;
  params.nano_cpus = context.size.nano_cpus;
  params.memory_bytes = context.size.memory_bytes;
  params.restart_policy = "no";
  if (options_.mount_engine_socket) params.mounts.push_back({options_.socket_path, "/var/run/docker.sock", false});
  params.labels = group_labels;
  params.labels[kFleetDockerHostLabel] = host.host_name;
  params.labels[kFleetDockerSizeLabel] = spec.size.empty() ? "small" : spec.size;
  if (!host.client_token.empty()) params.labels[kFleetDockerTokenLabel] = host.client_token;
  std::string id;
  auto created = docker.CreateContainer(params);
  if (created.ok()) {
    id = *created;
  } else if (created.status().code() == StatusCode::kAlreadyExists) {
    // Launched before (a retry, or a restart of kelola server): that one.
    KELOLA_ASSIGN_OR_RETURN(ContainerInfo existing, docker.InspectContainer(host.host_name));
    auto host_label = existing.labels.find(kFleetDockerHostLabel);
    if (!IsOurs(existing, group_labels) || host_label == existing.labels.end() ||
        host_label->second != host.host_name) {
      return FailedPreconditionError("a container named " + host.host_name + " exists and is not group " + spec.name +
                                     "'s host (labels differ): remove or rename it");
    }
    id = existing.id;
  } else {
    return created.status();
  }
  KELOLA_ASSIGN_OR_RETURN(ContainerInfo info, docker.InspectContainer(id));
  if (info.state == "created") {
    // Never started (new, or a crash between create and start): the files, then start.
    std::vector<TarEntry> files;
    if (!context.authorized_key.empty()) {
      KELOLA_ASSIGN_OR_RETURN(PasswdEntry user, LoginUser(docker, id, spec));
      const std::string dir = (user.home == "/" ? std::string() : user.home.substr(1) + "/") + ".ssh/";
      files.push_back({dir, "", 0700, user.uid, user.gid});
      files.push_back({dir + "authorized_keys", context.authorized_key, 0600, user.uid, user.gid});
    }
    if (!spec.bootstrap.user_data.empty()) files.push_back({kUserDataPath + 1, spec.bootstrap.user_data, 0700});
    if (!files.empty()) {
      KELOLA_ASSIGN_OR_RETURN(std::string tar, MakeTar(files));
      KELOLA_RETURN_IF_ERROR(docker.PutArchive(id, "/", tar));
    }
    KELOLA_RETURN_IF_ERROR(docker.StartContainer(id));
    info.state = "running";
  }
  if (info.state == "running" && !spec.bootstrap.user_data.empty()) {
    Status run = docker.ExecDetached(id, {"/bin/sh", "-c", kRunUserData});
    // It may have died already: Describe shows that; other errors are real.
    if (!run.ok() && run.code() != StatusCode::kFailedPrecondition) return run;
  }
  return id;
}

std::string DockerFleetProvider::HostKey(DockerClient& docker, const std::string& id) {
  {
    std::lock_guard lock(mu_);
    auto it = host_keys_.find(id);
    if (it != host_keys_.end()) return it->second;
  }
  auto read = docker.Exec(id, {"cat", kHostKeyPath}, 16 * 1024);
  if (!read.ok() || read->exit_code != 0) return "";  // not written yet, or no sshd image
  // "ssh-ed25519 AAAA... root@host" -> type and key, without the comment.
  const std::string& text = read->out;
  const size_t first = text.find(' ');
  // ssh-keygen ends the line with "\n": without it the file is still being written.
  if (text.rfind("ssh-", 0) != 0 || first == std::string::npos || text.back() != '\n') return "";
  const size_t second = text.find_first_of(" \r\n", first + 1);
  std::string key = text.substr(0, second);
  std::lock_guard lock(mu_);
  host_keys_[id] = key;
  return key;
}

ProviderInstance DockerFleetProvider::ToInstance(DockerClient& docker, const ContainerInfo& info) {
  ProviderInstance out;
  out.provider_id = info.id;
  auto label = [&](const char* key) {
    auto it = info.labels.find(key);
    return it == info.labels.end() ? std::string() : it->second;
  };
  out.host_name = label(kFleetDockerHostLabel);
  out.group = label(kFleetDockerGroupLabel);
  out.state = StateOf(info.state);
  out.state_detail = StateDetail(info);
  out.ssh_port = 22;
  out.image = info.image;
  out.size = label(kFleetDockerSizeLabel);
  out.launched_at = info.created;
  if (out.state == ProviderInstance::State::kRunning) {
    for (const auto& [network, address] : info.ip_addresses) {
      if (!address.empty()) {
        out.address = address;
        break;
      }
    }
    out.host_key = HostKey(docker, info.id);
  }
  return out;
}

Result<std::vector<ProviderInstance>> DockerFleetProvider::List(const ServerGroupSpec& spec) {
  KELOLA_ASSIGN_OR_RETURN(DockerClient * docker, Client());
  KELOLA_ASSIGN_OR_RETURN(std::vector<ContainerInfo> containers, docker->ListContainerInfos(GroupLabels(spec)));
  std::vector<ProviderInstance> out;
  for (const ContainerInfo& c : containers) out.push_back(ToInstance(*docker, c));
  std::sort(out.begin(), out.end(),
            [](const ProviderInstance& a, const ProviderInstance& b) { return a.host_name < b.host_name; });
  return out;
}

Result<ProviderInstance> DockerFleetProvider::Describe(const ServerGroupSpec& spec, const std::string& provider_id) {
  KELOLA_ASSIGN_OR_RETURN(DockerClient * docker, Client());
  KELOLA_ASSIGN_OR_RETURN(ContainerInfo info, docker->InspectContainer(provider_id));
  if (!IsOurs(info, GroupLabels(spec))) {
    return NotFoundError("container " + provider_id + " is not a host of group " + spec.name);
  }
  return ToInstance(*docker, info);
}

Status DockerFleetProvider::Terminate(const ServerGroupSpec& spec, const std::vector<std::string>& provider_ids) {
  KELOLA_ASSIGN_OR_RETURN(DockerClient * docker, Client());
  const auto labels = GroupLabels(spec);
  std::vector<Status> results(provider_ids.size());
  ParallelFor(provider_ids.size(), options_.launch_parallelism, [&](size_t i) {
    const std::string& id = provider_ids[i];
    auto info = docker->InspectContainer(id);
    if (info.status().code() == StatusCode::kNotFound) return;  // already gone
    if (!info.ok()) {
      results[i] = info.status();
      return;
    }
    if (!IsOurs(*info, labels)) {
      results[i] =
          FailedPreconditionError("container " + id + " is not a host of group " + spec.name + ": not removing it");
      return;
    }
    // Force removal kills it first.
    results[i] = docker->RemoveContainer(info->id);
    std::lock_guard lock(mu_);
    host_keys_.erase(info->id);
  });
  for (const Status& s : results) KELOLA_RETURN_IF_ERROR(s);
  return OkStatus();
}

Status DockerFleetProvider::DeleteNetwork(const ServerGroupSpec& spec) {
  KELOLA_ASSIGN_OR_RETURN(DockerClient * docker, Client());
  KELOLA_ASSIGN_OR_RETURN(std::vector<NetworkInfo> networks, docker->ListNetworks(GroupLabels(spec)));
  for (const NetworkInfo& n : networks) {
    Status removed = docker->RemoveNetwork(n.id);
    if (removed.code() == StatusCode::kFailedPrecondition) {
      return FailedPreconditionError("network " + n.name + " of group " + spec.name +
                                     " still has containers: terminate the hosts first (" + removed.message() + ")");
    }
    KELOLA_RETURN_IF_ERROR(removed);
  }
  return OkStatus();
}

}  // namespace kelola::docker
