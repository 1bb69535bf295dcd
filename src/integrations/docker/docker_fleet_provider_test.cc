// The docker fleet provider against the real engine (tests/harness starts
// dockerd) and the host image from scripts/build-host-image (cached: ~4 s
// when only its rootfs tarball is cached, ~2 min cold — scripts/install-deps
// prepares the tarball).
#include "integrations/docker/docker_fleet_provider.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fleet/server_group.h"
#include "integrations/docker/build_context.h"
#include "ssh/ssh_session.h"
#include "tests/harness/docker_engine.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola::docker {
namespace {

constexpr const char* kHostImage = "kelola-host:bookworm";
constexpr const char* kKeySecret = "fleet-key";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ServerGroupSpec BaseSpec(const std::string& name) {
  ServerGroupSpec spec;
  spec.name = name;
  spec.provider = "docker";
  spec.image = kHostImage;
  spec.size = "nano";
  spec.bootstrap.ssh_key_secret = kKeySecret;
  return spec;
}

TEST(DockerFleetProviderValidate, SizesAndSpecsThisProviderCannotRun) {
  DockerFleetProvider provider;
  ServerGroupSpec spec = BaseSpec("web");
  EXPECT_TRUE(provider.Validate(spec).ok()) << provider.Validate(spec).ToString();
  auto micro = DockerSizeFor("micro");
  ASSERT_TRUE(micro.ok());
  EXPECT_EQ(micro->nano_cpus, 500'000'000);
  EXPECT_EQ(micro->memory_bytes, 256 << 20);
  EXPECT_EQ(DockerSizeFor("")->memory_bytes, 512 << 20);  // small

  auto expect_invalid = [&](ServerGroupSpec s, const std::string& field) {
    Status status = provider.Validate(s);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << field << ": " << status.ToString();
    EXPECT_EQ(status.message().rfind(field, 0), 0u) << status.message();
  };
  spec.size = "t3.micro";
  expect_invalid(spec, "spec.size");
  spec = BaseSpec("web");
  spec.image = "";
  expect_invalid(spec, "spec.image");
  spec.image = "UPPER/case";
  expect_invalid(spec, "spec.image");
  spec = BaseSpec("web");
  spec.bootstrap.user_data = "#cloud-config\npackages: [nginx]\n";
  expect_invalid(spec, "spec.bootstrap.userData");
  EXPECT_NE(provider.Validate(spec).message().find("cloud-init"), std::string::npos);
  spec.bootstrap.user_data = "#!/bin/sh\necho hi\n";
  EXPECT_TRUE(provider.Validate(spec).ok());
  spec.bootstrap.ssh_user = "deploy";
  EXPECT_TRUE(provider.Validate(spec).ok());
  spec.bootstrap.ssh_user = "../etc";
  expect_invalid(spec, "spec.bootstrap.sshUser");
  spec = BaseSpec("web");
  spec.bootstrap.ssh_port = 2222;
  expect_invalid(spec, "spec.bootstrap.sshPort");
  // Firewall rules are accepted (not enforced: see the docs).
  spec = BaseSpec("web");
  spec.network.ingress.push_back(FirewallRule{"tcp", 22, 22, "10.0.0.0/8", "ssh"});
  EXPECT_TRUE(provider.Validate(spec).ok());
}

class DockerFleetProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = harness::DockerEngine::Ensure();
    if (engine.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << engine.status().message();
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto built = harness::RunCommand({std::string(KELOLA_SOURCE_DIR) + "/scripts/build-host-image", kHostImage},
                                     std::chrono::minutes(15));
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    ASSERT_EQ(built->exit_code, 0) << "scripts/build-host-image failed:\n" << built->out << built->err;
    auto client = DockerClient::Connect();
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    docker_ = std::move(*client);
    auto dir = harness::TempDir::Create("kelola-dockerfleet");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    const std::string key = dir_->File("fleet_ed25519");
    auto made = harness::RunCommandOk({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet", "-f", key});
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    private_key_ = ReadFile(key);
    static std::atomic<int> counter{0};
    seq_ = counter++;
    group_ = "kft" + std::to_string(::getpid()) + "-" + std::to_string(seq_);
    DockerFleetProviderOptions options;
    options.resolve_secret = [this](const std::string& name) -> Result<std::string> {
      if (name != kKeySecret) return NotFoundError("secret " + name + " not found");
      return private_key_;
    };
    provider_ = std::make_unique<DockerFleetProvider>(options);
  }

  void TearDown() override {
    if (!docker_) return;
    const std::map<std::string, std::string> labels = {{kFleetDockerGroupLabel, group_}};
    if (auto left = docker_->ListContainerInfos(labels); left.ok()) {
      for (const ContainerInfo& c : *left) EXPECT_TRUE(docker_->RemoveContainer(c.id).ok());
    }
    for (const std::string& name : foreign_containers_) EXPECT_TRUE(docker_->RemoveContainer(name).ok());
    if (auto left = docker_->ListNetworks(labels); left.ok()) {
      for (const NetworkInfo& n : *left) EXPECT_TRUE(docker_->RemoveNetwork(n.id).ok());
    }
  }

  // A /24 no other network on this engine uses (other test processes make
  // networks too): the next candidate when the engine says it overlaps.
  Result<GroupNetwork> EnsureNetworkWithFreeSubnet(ServerGroupSpec& spec) {
    Status last;
    for (int attempt = 0; attempt < 8; ++attempt) {
      const int third = (::getpid() * 7 + seq_ * 31 + attempt * 53) % 250 + 1;
      spec.network.vpc_cidr = "10.231." + std::to_string(third) + ".0/24";
      auto network = provider_->EnsureNetwork(spec);
      if (network.ok() || network.status().message().find("overlap") == std::string::npos) return network;
      last = network.status();
    }
    return last;
  }

  // Polls List until every instance runs with an address and a host key.
  std::vector<ProviderInstance> WaitRunning(const ServerGroupSpec& spec, size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::vector<ProviderInstance> list;
    while (std::chrono::steady_clock::now() < deadline) {
      auto listed = provider_->List(spec);
      EXPECT_TRUE(listed.ok()) << listed.status().ToString();
      if (!listed.ok()) return {};
      list = *listed;
      size_t ready = 0;
      for (const ProviderInstance& i : list) {
        if (i.state == ProviderInstance::State::kRunning && !i.address.empty() && !i.host_key.empty()) ++ready;
      }
      if (ready == count && list.size() == count) return list;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "hosts of " << spec.name << " not all running with a host key within 60 s";
    return list;
  }

  // Connects with the host key pinned (strict), retrying while sshd starts.
  Result<std::unique_ptr<SshSession>> ConnectTo(const ProviderInstance& instance) {
    SshOptions options;
    options.host = instance.address;
    options.port = instance.ssh_port;
    options.user = "root";
    options.credentials.private_key_data = private_key_;
    options.pinned_host_key = instance.host_key;
    options.connect_timeout = std::chrono::seconds(5);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      auto session = SshSession::Connect(options);
      if (session.ok() || session.status().code() != StatusCode::kUnavailable ||
          std::chrono::steady_clock::now() >= deadline) {
        return session;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::unique_ptr<harness::DockerEngine> engine_;
  std::unique_ptr<DockerClient> docker_;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<DockerFleetProvider> provider_;
  std::string private_key_;
  std::string group_;
  int seq_ = 0;
  std::vector<std::string> foreign_containers_;
};

TEST_F(DockerFleetProviderTest, GroupOfThreeOverSshThenKilledThenTornDown) {
  ServerGroupSpec spec = BaseSpec(group_);
  auto network = EnsureNetworkWithFreeSubnet(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  auto again = provider_->EnsureNetwork(spec);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ids.at("network"), network->ids.at("network"));
  auto info = docker_->InspectNetwork(network->ids.at("network"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "kelola-" + group_);
  EXPECT_EQ(info->subnets, std::vector<std::string>{spec.network.vpc_cidr});

  std::vector<LaunchSpec> hosts;
  for (int i = 1; i <= 3; ++i) hosts.push_back({group_ + "-" + std::to_string(i), "token-" + std::to_string(i)});
  auto launched = provider_->Launch(spec, *network, hosts);
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  ASSERT_EQ(launched->size(), 3u);
  const std::string prefix = spec.network.vpc_cidr.substr(0, spec.network.vpc_cidr.size() - 4);  // "10.231.N."
  for (const ProviderInstance& i : *launched) {
    EXPECT_EQ(i.group, group_);
    EXPECT_EQ(i.size, "nano");
    EXPECT_EQ(i.image, kHostImage);
    EXPECT_EQ(i.address.rfind(prefix, 0), 0u) << i.address << " not in " << spec.network.vpc_cidr;
  }
  auto container = docker_->InspectContainer((*launched)[0].provider_id);
  ASSERT_TRUE(container.ok());
  EXPECT_EQ(container->memory_bytes, 128 << 20);
  EXPECT_EQ(container->nano_cpus, 250'000'000);
  EXPECT_EQ(container->hostname, hosts[0].host_name);

  std::vector<ProviderInstance> running = WaitRunning(spec, 3);
  ASSERT_EQ(running.size(), 3u);
  for (size_t n = 0; n < running.size(); ++n) {
    EXPECT_EQ(running[n].host_name, hosts[n].host_name);
    EXPECT_EQ(running[n].host_key.rfind("ssh-ed25519 AAAA", 0), 0u) << running[n].host_key;
    auto session = ConnectTo(running[n]);
    ASSERT_TRUE(session.ok()) << running[n].address << ": " << session.status().ToString();
    auto out = (*session)->Exec("hostname");
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->out, hosts[n].host_name + "\n");
  }
  // A wrong pinned key is refused: the host key is the container's own.
  ProviderInstance wrong = running[0];
  wrong.host_key = running[1].host_key;
  EXPECT_EQ(ConnectTo(wrong).status().code(), StatusCode::kPermissionDenied);

  // Launch again with the same names: the same containers, none added.
  auto relaunched = provider_->Launch(spec, *network, hosts);
  ASSERT_TRUE(relaunched.ok()) << relaunched.status().ToString();
  for (size_t n = 0; n < 3; ++n) EXPECT_EQ((*relaunched)[n].provider_id, (*launched)[n].provider_id);
  auto all = docker_->ListContainerInfos({{kFleetDockerGroupLabel, group_}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);

  // `docker kill` one: Describe and List say stopped, with the exit code.
  const std::string victim = running[1].provider_id;
  ASSERT_TRUE(docker_->KillContainer(victim).ok());
  auto described = provider_->Describe(spec, victim);
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->state, ProviderInstance::State::kStopped);
  EXPECT_EQ(described->state_detail, "exited (137)");
  EXPECT_EQ(described->address, "");
  auto listed = provider_->List(spec);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ((*listed)[1].state, ProviderInstance::State::kStopped);
  EXPECT_EQ((*listed)[1].state_detail, "exited (137)");
  // Another group's Describe does not see it.
  EXPECT_EQ(provider_->Describe(BaseSpec(group_ + "x"), victim).status().code(), StatusCode::kNotFound);

  // The network cannot go while hosts use it.
  EXPECT_EQ(provider_->DeleteNetwork(spec).code(), StatusCode::kFailedPrecondition);
  std::vector<std::string> ids;
  for (const ProviderInstance& i : running) ids.push_back(i.provider_id);
  ASSERT_TRUE(provider_->Terminate(spec, ids).ok());
  ASSERT_TRUE(provider_->Terminate(spec, ids).ok());  // already gone: fine
  ASSERT_TRUE(provider_->DeleteNetwork(spec).ok());
  ASSERT_TRUE(provider_->DeleteNetwork(spec).ok());
  auto containers_left = docker_->ListContainerInfos({{kFleetDockerGroupLabel, group_}});
  ASSERT_TRUE(containers_left.ok());
  EXPECT_TRUE(containers_left->empty());
  auto networks_left = docker_->ListNetworks({{kFleetDockerGroupLabel, group_}});
  ASSERT_TRUE(networks_left.ok());
  EXPECT_TRUE(networks_left->empty());
  EXPECT_EQ(provider_->Describe(spec, victim).status().code(), StatusCode::kNotFound);
}

TEST_F(DockerFleetProviderTest, UserDataScriptRunsOnceAfterBoot) {
  ServerGroupSpec spec = BaseSpec(group_);
  spec.bootstrap.user_data = "#!/bin/sh\necho \"ran as $(id -un)\" >>/var/tmp/user-data-runs\n";
  auto network = EnsureNetworkWithFreeSubnet(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  const std::vector<LaunchSpec> hosts = {{group_ + "-1", "t1"}};
  auto launched = provider_->Launch(spec, *network, hosts);
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  const std::string id = (*launched)[0].provider_id;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string exit_code;
  while (std::chrono::steady_clock::now() < deadline) {
    auto out = docker_->Exec(id, {"cat", "/var/lib/kelola/user-data.exit"});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    if (out->exit_code == 0) {
      exit_code = out->out;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(exit_code, "0\n");
  ASSERT_TRUE(provider_->Launch(spec, *network, hosts).ok());  // already launched: not run again
  auto runs = docker_->Exec(id, {"cat", "/var/tmp/user-data-runs"});
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->out, "ran as root\n");
}

TEST_F(DockerFleetProviderTest, RefusesWhatItCannotOrMustNotDo) {
  ServerGroupSpec spec = BaseSpec(group_);
  // A missing image: nothing created, and the message says how to make it.
  spec.image = "kelola-test/no-such-host-image:1";
  auto missing = provider_->Launch(spec, GroupNetwork{}, {{group_ + "-1", "t"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("scripts/build-host-image"), std::string::npos);
  // No secret resolver for a spec naming a key secret.
  DockerFleetProvider no_secrets;
  spec = BaseSpec(group_);
  EXPECT_EQ(no_secrets.Launch(spec, GroupNetwork{}, {{group_ + "-1", "t"}}).status().code(),
            StatusCode::kFailedPrecondition);
  // A secret that is not a key: InvalidArgument naming the field.
  spec.bootstrap.ssh_key_secret = "not-a-key";
  DockerFleetProviderOptions options;
  options.resolve_secret = [](const std::string&) -> Result<std::string> { return std::string("hunter2"); };
  DockerFleetProvider bad_key(options);
  auto bad = bad_key.Launch(spec, GroupNetwork{}, {{group_ + "-1", "t"}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("spec.bootstrap.sshKeySecret"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos);
  auto none = docker_->ListContainerInfos({{kFleetDockerGroupLabel, group_}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  // A container of that name kelola did not make is not adopted.
  spec = BaseSpec(group_);
  auto network = EnsureNetworkWithFreeSubnet(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  ContainerParams foreign;
  foreign.image = kHostImage;
  foreign.name = group_ + "-1";
  foreign.labels = {{"kelola-test", "1"}};
  ASSERT_TRUE(docker_->CreateContainer(foreign).ok());
  foreign_containers_.push_back(foreign.name);
  auto taken = provider_->Launch(spec, *network, {{foreign.name, "t"}});
  EXPECT_EQ(taken.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(taken.status().message().find("not group"), std::string::npos) << taken.status().message();
  // Nor removed by Terminate.
  auto foreign_info = docker_->InspectContainer(foreign.name);
  ASSERT_TRUE(foreign_info.ok());
  EXPECT_EQ(provider_->Terminate(spec, {foreign_info->id}).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(docker_->InspectContainer(foreign.name).ok());
}

// A user other than root: the key lands in that user's home, owned by it.
TEST_F(DockerFleetProviderTest, BootstrapKeyForAnotherUser) {
  const std::string context = dir_->File("context");
  std::filesystem::create_directories(context);
  // -p '*': no password, but not locked ("!"), which sshd without PAM refuses even for keys.
  std::ofstream(context + "/Dockerfile") << "FROM " << kHostImage << "\nRUN useradd -m -s /bin/sh -p '*' deploy\n";
  ASSERT_TRUE(WriteBuildContext(context, "Dockerfile", dir_->File("context.tar")).ok());
  BuildParams build;
  build.context_tar = dir_->File("context.tar");
  build.tags = {"kelola-test/host-deploy:2"};
  build.labels = {{"kelola-test", "1"}};
  auto image = docker_->Build(build, nullptr, nullptr);
  ASSERT_TRUE(image.ok()) << image.status().ToString();

  ServerGroupSpec spec = BaseSpec(group_);
  spec.image = "kelola-test/host-deploy:2";
  spec.bootstrap.ssh_user = "nosuchuser";
  auto network = EnsureNetworkWithFreeSubnet(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  auto missing = provider_->Launch(spec, *network, {{group_ + "-1", "t"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("has no user nosuchuser"), std::string::npos)
      << missing.status().ToString();
  ASSERT_TRUE(provider_->Terminate(spec, {group_ + "-1"}).ok());  // the created, never started container

  spec.bootstrap.ssh_user = "deploy";
  auto launched = provider_->Launch(spec, *network, {{group_ + "-1", "t"}});
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  std::vector<ProviderInstance> running = WaitRunning(spec, 1);
  ASSERT_EQ(running.size(), 1u);
  SshOptions options;
  options.host = running[0].address;
  options.user = "deploy";
  options.credentials.private_key_data = private_key_;
  options.pinned_host_key = running[0].host_key;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto session = SshSession::Connect(options);
  while (!session.ok() && session.status().code() == StatusCode::kUnavailable &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    session = SshSession::Connect(options);
  }
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Exec("id -un; stat -c '%U %a' ~/.ssh ~/.ssh/authorized_keys");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->out, "deploy\ndeploy 700\ndeploy 600\n");
}

}  // namespace
}  // namespace kelola::docker
