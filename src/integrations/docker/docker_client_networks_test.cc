// DockerClient's network, inspect, exec and archive calls against the real
// engine, with the harness's busybox image.
#include <gtest/gtest.h>
#include <unistd.h>

#include "integrations/docker/docker_test_support.h"
#include "integrations/docker/memory_tar.h"

namespace kelola::docker {
namespace {

class DockerClientNetworksTest : public DockerEngineTest {
 protected:
  void TearDown() override {
    if (!docker_) return;
    if (!container_.empty()) {
      EXPECT_TRUE(docker_->RemoveContainer(container_).ok());
    }
    if (!network_.empty()) {
      EXPECT_TRUE(docker_->RemoveNetwork(network_).ok());
    }
  }
  std::string container_;
  std::string network_;
};

TEST_F(DockerClientNetworksTest, NetworkContainerWithFixedAddressExecArchiveKill) {
  const std::string tag = "kct" + std::to_string(::getpid());
  const std::map<std::string, std::string> labels = {{"kelola-test", "1"}, {"io.kelola.test-run", tag}};
  NetworkParams net;
  net.name = tag;
  net.labels = labels;
  Result<std::string> network_id = UnknownError("no subnet tried");
  std::string subnet;
  for (int attempt = 0; attempt < 8 && !network_id.ok(); ++attempt) {
    subnet = "10.233." + std::to_string((::getpid() + attempt * 37) % 250 + 1) + ".0/24";
    net.subnet = subnet;
    network_id = docker_->CreateNetwork(net);
    if (!network_id.ok()) {
      ASSERT_EQ(network_id.status().code(), StatusCode::kFailedPrecondition) << network_id.status().ToString();
    }
  }
  ASSERT_TRUE(network_id.ok()) << network_id.status().ToString();
  network_ = *network_id;
  EXPECT_EQ(docker_->CreateNetwork(net).status().code(), StatusCode::kAlreadyExists);
  auto listed = docker_->ListNetworks({{"io.kelola.test-run", tag}});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, network_);
  EXPECT_EQ(listed->front().subnets, std::vector<std::string>{subnet});

  const std::string address = subnet.substr(0, subnet.size() - 4) + "77";
  ContainerParams params;
  params.image = kBusyboxImage;
  params.cmd = {"sleep", "3600"};
  params.name = tag + "-c";
  params.hostname = "box-77";
  params.network = tag;
  params.ipv4_address = address;
  params.nano_cpus = 250'000'000;
  params.memory_bytes = 64 << 20;
  params.restart_policy = "no";
  params.labels = labels;
  auto id = docker_->CreateContainer(params);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  container_ = *id;
  EXPECT_EQ(docker_->CreateContainer(params).status().code(), StatusCode::kAlreadyExists);

  // Files go in before start, and come out again.
  auto tar = MakeTar({{"etc/kelola-test/", "", 0755}, {"etc/kelola-test/hello", "hi there\n", 0640}});
  ASSERT_TRUE(tar.ok());
  ASSERT_TRUE(docker_->PutArchive(container_, "/", *tar).ok());
  auto back = docker_->GetArchive(container_, "/etc/kelola-test/hello");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*ReadFirstTarFile(*back), "hi there\n");
  EXPECT_EQ(docker_->GetArchive(container_, "/no/such/file").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(docker_->Exec(container_, {"true"}).status().code(), StatusCode::kFailedPrecondition);  // not running

  ASSERT_TRUE(docker_->StartContainer(container_).ok());
  auto info = docker_->InspectContainer(params.name);  // by name
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->id, container_);
  EXPECT_EQ(info->state, "running");
  EXPECT_EQ(info->ip_addresses.at(tag), address);
  EXPECT_EQ(info->hostname, "box-77");
  EXPECT_EQ(info->memory_bytes, 64 << 20);
  EXPECT_EQ(info->nano_cpus, 250'000'000);
  auto out = docker_->Exec(container_, {"sh", "-c", "hostname; cat /etc/kelola-test/hello; echo err >&2; exit 3"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->out, "box-77\nhi there\n");
  EXPECT_EQ(out->err, "err\n");
  ASSERT_TRUE(docker_->ExecDetached(container_, {"sh", "-c", "echo detached >/tmp/d"}).ok());

  // In use: the network cannot go.
  EXPECT_EQ(docker_->RemoveNetwork(network_).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(docker_->KillContainer(container_).ok());
  auto killed = docker_->InspectContainer(container_);
  ASSERT_TRUE(killed.ok());
  EXPECT_EQ(killed->state, "exited");
  EXPECT_EQ(killed->exit_code, 137);
  auto all = docker_->ListContainerInfos({{"io.kelola.test-run", tag}});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1u);  // stopped ones too
  EXPECT_EQ(all->front().name, params.name);
  EXPECT_EQ(all->front().exit_code, 137);

  ASSERT_TRUE(docker_->RemoveContainer(container_).ok());
  container_.clear();
  EXPECT_EQ(docker_->InspectContainer(params.name).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(docker_->RemoveNetwork(network_).ok());
  EXPECT_TRUE(docker_->RemoveNetwork(network_).ok());  // already gone
  EXPECT_EQ(docker_->InspectNetwork(network_).status().code(), StatusCode::kNotFound);
  network_.clear();
  auto cpus = docker_->CpuCount();
  ASSERT_TRUE(cpus.ok()) << cpus.status().ToString();
  EXPECT_EQ(*cpus, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
}

}  // namespace
}  // namespace kelola::docker
