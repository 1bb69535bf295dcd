// The fleet's GroupController (src/fleet) driving the real docker provider:
// the contract as the controller uses it — create, re-reconcile without
// duplicates, a lost Host record adopted (a crash between launch and the
// write), scale 3 → 5 → 2, destroy leaving no container or network.
// Hosts stay Launching here: taking them to Ready is the host controller's.
#include <gtest/gtest.h>
#include <unistd.h>

#include "fleet/fleet_host.h"
#include "fleet/group_controller.h"
#include "integrations/docker/docker_fleet_provider.h"
#include "store/store.h"
#include "tests/harness/docker_engine.h"
#include "tests/harness/run_command.h"

namespace kelola::docker {
namespace {

class DockerFleetGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = harness::DockerEngine::Ensure();
    if (engine.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << engine.status().message();
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    auto built =
        harness::RunCommand({std::string(KELOLA_SOURCE_DIR) + "/scripts/build-host-image", "kelola-host:bookworm"},
                            std::chrono::minutes(15));
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    ASSERT_EQ(built->exit_code, 0) << "scripts/build-host-image failed:\n" << built->out << built->err;
    auto client = DockerClient::Connect();
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    docker_ = std::move(*client);
    auto opened = OpenSqliteStore(":memory:", SystemClock());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    registry_.Add(std::make_shared<DockerFleetProvider>());
    GroupControllerOptions o;
    o.providers = &registry_;
    o.clock = &SystemClock();
    controller_ = std::make_unique<GroupController>(*store_, o);
    group_ = "kfg" + std::to_string(::getpid());
  }

  void TearDown() override {
    if (!docker_) return;
    const std::map<std::string, std::string> labels = {{kFleetDockerGroupLabel, group_}};
    if (auto left = docker_->ListContainerInfos(labels); left.ok()) {
      for (const ContainerInfo& c : *left) EXPECT_TRUE(docker_->RemoveContainer(c.id).ok());
    }
    if (auto left = docker_->ListNetworks(labels); left.ok()) {
      for (const NetworkInfo& n : *left) EXPECT_TRUE(docker_->RemoveNetwork(n.id).ok());
    }
  }

  void PutGroup(int count, std::map<std::string, std::string> labels = {}) {
    Resource r;
    r.kind = "ServerGroup";
    r.name = group_;
    r.labels = std::move(labels);
    r.spec_json = R"({"provider": "docker", "image": "kelola-host:bookworm", "size": "nano", "count": )" +
                  std::to_string(count) + "}";
    if (auto old = store_->GetResource("ServerGroup", group_); old.ok()) r.status_json = old->status_json;
    ASSERT_TRUE(store_->PutResource(r, {}).ok());
  }

  void Reconcile() {
    auto r = controller_->Reconcile("ServerGroup/" + group_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto g = store_->GetResource("ServerGroup", group_);
    if (g.ok()) {
      ASSERT_EQ(g->status_json.find("\"Error\""), std::string::npos) << g->status_json;
    }
  }

  // Host name -> provider id of the group's Host resources.
  std::map<std::string, std::string> Hosts() {
    std::map<std::string, std::string> out;
    ListOptions o;
    o.kind = "Host";
    auto list = store_->ListResources(o);
    EXPECT_TRUE(list.ok());
    for (const Resource& r : list->items) {
      auto s = DecodeFleetHostStatus(r.status_json);
      EXPECT_TRUE(s.ok()) << r.status_json;
      if (s.ok()) out[r.name] = s->provider_id;
    }
    return out;
  }

  // Container name -> id of the group's containers.
  std::map<std::string, std::string> Containers() {
    std::map<std::string, std::string> out;
    auto list = docker_->ListContainerInfos({{kFleetDockerGroupLabel, group_}});
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    if (list.ok()) {
      for (const ContainerInfo& c : *list) out[c.name] = c.id;
    }
    return out;
  }

  std::unique_ptr<DockerClient> docker_;
  std::unique_ptr<Store> store_;
  FleetProviderRegistry registry_;
  std::unique_ptr<GroupController> controller_;
  std::string group_;
};

TEST_F(DockerFleetGroupTest, CreateAdoptScaleAndDestroy) {
  PutGroup(3);
  Reconcile();
  std::map<std::string, std::string> hosts = Hosts();
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(Containers(), hosts);  // every Host is a container of its name, and nothing else
  Reconcile();
  EXPECT_EQ(Containers(), hosts);

  // A crash after Launch whose Host write was lost: the container is
  // adopted, not launched again.
  const std::string lost = group_ + "-2";
  ASSERT_TRUE(store_->DeleteResource("Host", lost, {}).ok());
  Reconcile();
  EXPECT_EQ(Hosts(), hosts);
  EXPECT_EQ(Containers(), hosts);

  PutGroup(5);
  Reconcile();
  hosts = Hosts();
  EXPECT_EQ(hosts.size(), 5u);
  EXPECT_EQ(Containers(), hosts);

  PutGroup(2);
  Reconcile();
  hosts = Hosts();
  EXPECT_EQ(hosts.size(), 2u);
  EXPECT_EQ(Containers(), hosts);

  PutGroup(2, {{kFleetDeletingLabel, "true"}});
  Reconcile();
  EXPECT_TRUE(Hosts().empty());
  EXPECT_TRUE(Containers().empty());
  auto networks = docker_->ListNetworks({{kFleetDockerGroupLabel, group_}});
  ASSERT_TRUE(networks.ok());
  EXPECT_TRUE(networks->empty());
  EXPECT_EQ(store_->GetResource("ServerGroup", group_).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kelola::docker
