// Issue #8, point 2 — zero-downtime deploys to Docker hosts, Kamal's way,
// all real: 3 hosts of the docker fleet provider (sshd + Debian's nginx,
// their Docker engine reached over SSH), a docker-registry, busybox httpd
// application images deployed by digest; a load generator sends requests
// to every host's proxy throughout and not one may fail.
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <set>
#include <thread>

#include "integrations/docker/dockerhosts_rollout.h"
#include "tests/harness/free_port.h"
#include "tests/integration/dockerhosts_env.h"

namespace kelola {
namespace {

using dockerhosts_test::DockerHostsEnv;
using dockerhosts_test::LoadGenerator;
using dockerhosts_test::LoadStats;

constexpr const char* kSecretValue = "s3cr3t-value-never-logged";

class DockerHostsRolloutTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto env = DockerHostsEnv::Start(3, "dh" + std::to_string(::getpid() % 100000));
    if (env.status().code() == StatusCode::kFailedPrecondition) {
      skip_ = env.status().message();  // docker not installed at all
      return;
    }
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = env->release();
    for (const char* v : {"v1", "v2", "v3"}) {
      auto digest = env_->PushApp(v, true);
      ASSERT_TRUE(digest.ok()) << digest.status().ToString();
      digests_[v] = *digest;
    }
    auto bad = env_->PushApp("vbad", false);
    ASSERT_TRUE(bad.ok()) << bad.status().ToString();
    digests_["vbad"] = *bad;
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_NE(env_, nullptr);
    target_.name = "web";
    target_.service = "web";
    target_.kind = TargetSpec::Kind::kDockerHosts;
    target_.dockerhosts.batch = "1";
    target_.dockerhosts.drain = std::chrono::seconds(1);
    target_.dockerhosts.health.path = "/up";
    target_.dockerhosts.health.interval = std::chrono::milliseconds(200);
    target_.dockerhosts.health.timeout = std::chrono::seconds(2);
    target_.dockerhosts.health.start_timeout = std::chrono::seconds(20);
    target_.dockerhosts.env = {{"GREETING", "hello"}};
    target_.dockerhosts.secrets = {{"API_TOKEN", "api", "token"}};
  }

  ReleaseSpec Release(const std::string& version, int seq) {
    ReleaseSpec r;
    r.name = "web-" + std::to_string(seq);
    r.target = "web";
    r.image = "dh-app:" + version;
    r.image_digest = digests_.at(version);
    return r;
  }

  RolloutContext Context(const ReleaseSpec* release, const ReleaseSpec* previous,
                         const FleetInventory* hosts = nullptr) {
    RolloutContext ctx;
    ctx.target = &target_;
    ctx.release = release;
    ctx.previous = previous;
    ctx.hosts = hosts != nullptr ? hosts : &env_->inventory();
    ctx.secret = [](const std::string& name, const std::string& key) -> Result<std::string> {
      if (name == "api" && key == "token") return std::string(kSecretValue);
      return NotFoundError("secret " + name + " not found");
    };
    ctx.on_progress = [this](const ReleaseProgress& p) {
      std::lock_guard lock(mu_);
      progress_.push_back(p);
    };
    ctx.on_event = [this](std::string_view kind, std::string_view unit, std::string_view message) {
      std::lock_guard lock(mu_);
      events_.push_back(std::string(kind) + " " + std::string(unit) + ": " + std::string(message));
    };
    ctx.keep_going = [] { return true; };
    return ctx;
  }

  int CountEvents(const std::string& kind) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const std::string& e : events_) n += e.rfind(kind + " ", 0) == 0 ? 1 : 0;
    return n;
  }

  std::string Events() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const std::string& e : events_) out += "  " + e + "\n";
    return out;
  }

  // Every host's proxy serves `version`, and only that release's container
  // is left on it.
  void ExpectServing(const std::string& version, const std::string& release) {
    for (const FleetHost& h : env_->inventory().hosts) {
      auto body = dockerhosts_test::HttpGetOnce(h.address, 80);
      ASSERT_TRUE(body.ok()) << h.name << ": " << body.status().ToString();
      EXPECT_EQ(*body, version + "\n") << h.name;
      auto apps =
          env_->docker().ListContainerInfos({{docker::kDeployTargetLabel, "web"}, {docker::kDeployHostLabel, h.name}});
      ASSERT_TRUE(apps.ok()) << apps.status().ToString();
      ASSERT_EQ(apps->size(), 1u) << h.name << " keeps more than the live container";
      EXPECT_EQ((*apps)[0].labels.at(docker::kDeployReleaseLabel), release);
      EXPECT_EQ((*apps)[0].state, "running");
    }
  }

  void Deploy(docker::DockerHostsRollout& strategy, const ReleaseSpec& release, const ReleaseSpec* previous) {
    RolloutContext ctx = Context(&release, previous);
    RolloutOutcome outcome;
    Status s = strategy.Rollout(ctx, outcome);
    ASSERT_TRUE(s.ok()) << s.ToString() << "\nevents:\n" << Events();
    EXPECT_EQ(outcome.touched.size(), 3u);
  }

  static void ExpectNoFailures(const LoadStats& stats, int64_t at_least) {
    std::string samples;
    for (const std::string& s : stats.failure_samples) samples += "  " + s + "\n";
    std::cout << "load: " << stats.requests << " requests, " << stats.failures << " failed\n";
    EXPECT_EQ(stats.failures, 0) << "failed requests, e.g.:\n" << samples;
    EXPECT_GT(stats.requests, at_least);
  }

  static inline DockerHostsEnv* env_ = nullptr;
  static inline std::map<std::string, std::string> digests_;
  static inline std::string skip_;
  TargetSpec target_;
  std::mutex mu_;
  std::vector<ReleaseProgress> progress_;
  std::vector<std::string> events_;
};

TEST_F(DockerHostsRolloutTest, ZeroDowntimeThroughTwoReleasesAndARollback) {
  ASSERT_TRUE(env_->RemoveAppContainers().ok());
  docker::DockerHostsRollout strategy;
  const ReleaseSpec r1 = Release("v1", 1), r2 = Release("v2", 2), r3 = Release("v3", 3);
  // First deploy: nginx is started on each host (nothing served before).
  Deploy(strategy, r1, nullptr);
  ExpectServing("v1", r1.name);

  LoadGenerator load(env_->addresses(), 80, 2);
  Deploy(strategy, r2, &r1);
  ExpectServing("v2", r2.name);
  target_.dockerhosts.batch = "34%";  // 2 hosts at once, then 1
  Deploy(strategy, r3, &r2);
  ExpectServing("v3", r3.name);
  // Back to v2 everywhere v3 went.
  RolloutContext ctx = Context(&r3, &r2);
  RolloutOutcome outcome;
  outcome.touched = {env_->inventory().hosts[0].name, env_->inventory().hosts[1].name, env_->inventory().hosts[2].name};
  Status back = strategy.RollBack(ctx, outcome);
  ASSERT_TRUE(back.ok()) << back.ToString() << "\n" << Events();
  ExpectServing("v2", r2.name);
  LoadStats stats = load.Stop();
  ExpectNoFailures(stats, 300);
  EXPECT_GT(stats.bodies["v2\n"], 0);
  EXPECT_GT(stats.bodies["v3\n"], 0);

  // One event per step per host and rollout (4 rollouts x 3 hosts).
  for (const char* kind :
       {"deploy.host.started", "deploy.host.healthy", "deploy.host.switched", "deploy.host.drained"}) {
    EXPECT_EQ(CountEvents(kind), 12) << kind << "\n" << Events();
  }
  EXPECT_EQ(CountEvents("deploy.host.failed"), 0) << Events();
  {
    std::lock_guard lock(mu_);
    ASSERT_FALSE(progress_.empty());
    const ReleaseProgress& last = progress_.back();
    EXPECT_EQ(last.total, 3);
    EXPECT_EQ(last.updated, 3);
    EXPECT_EQ(last.healthy, 3);
    EXPECT_EQ(last.old_remaining, 0);
    for (const std::string& e : events_) EXPECT_EQ(e.find(kSecretValue), std::string::npos) << e;
    for (const ReleaseProgress& p : progress_) EXPECT_EQ(p.phase.find(kSecretValue), std::string::npos);
  }
  // The container got its env and the secret.
  auto apps = env_->docker().ListContainerInfos({{docker::kDeployTargetLabel, "web"}});
  ASSERT_TRUE(apps.ok() && !apps->empty());
  auto printed = env_->docker().Exec((*apps)[0].id, {"/bin/busybox", "env"});
  ASSERT_TRUE(printed.ok()) << printed.status().ToString();
  EXPECT_NE(printed->out.find("API_TOKEN=" + std::string(kSecretValue)), std::string::npos);
  EXPECT_NE(printed->out.find("GREETING=hello"), std::string::npos);
}

TEST_F(DockerHostsRolloutTest, UnhealthyVersionStopsAtTheFirstBatchAndRollsBack) {
  ASSERT_TRUE(env_->RemoveAppContainers().ok());
  docker::DockerHostsRollout strategy;
  const ReleaseSpec r1 = Release("v1", 11), bad = Release("vbad", 12);
  Deploy(strategy, r1, nullptr);
  ExpectServing("v1", r1.name);

  LoadGenerator load(env_->addresses(), 80, 2);
  target_.dockerhosts.health.start_timeout = std::chrono::seconds(3);
  RolloutContext ctx = Context(&bad, &r1);
  RolloutOutcome outcome;
  Status s = strategy.Rollout(ctx, outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  const std::string first = env_->inventory().hosts[0].name;
  EXPECT_NE(s.message().find("host " + first), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("health check /up not passing after 3s"), std::string::npos) << s.message();
  EXPECT_TRUE(outcome.touched.empty());  // the failing host kept the old one; later batches never started
  EXPECT_EQ(CountEvents("deploy.host.failed"), 1) << Events();
  EXPECT_EQ(CountEvents("deploy.host.started"), 4) << Events();  // 3 for v1, 1 for the bad one
  ExpectServing("v1", r1.name);

  Status back = strategy.RollBack(ctx, outcome);
  ASSERT_TRUE(back.ok()) << back.ToString() << "\n" << Events();
  ExpectServing("v1", r1.name);
  LoadStats stats = load.Stop();
  ExpectNoFailures(stats, 100);
  EXPECT_EQ(stats.bodies.count("vbad\n"), 0u);
}

TEST_F(DockerHostsRolloutTest, ImageMissingFromTheRegistryChangesNothing) {
  ASSERT_TRUE(env_->RemoveAppContainers().ok());
  docker::DockerHostsRollout strategy;
  const ReleaseSpec r1 = Release("v1", 21);
  Deploy(strategy, r1, nullptr);
  ReleaseSpec missing = Release("v2", 22);
  missing.image_digest = env_->registry().host_port() + "/kelola-test/dh-app@sha256:" + std::string(64, '0');
  RolloutContext ctx = Context(&missing, &r1);
  RolloutOutcome outcome;
  Status s = strategy.Rollout(ctx, outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("host " + env_->inventory().hosts[0].name), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(missing.image_digest), std::string::npos) << s.message();
  EXPECT_TRUE(outcome.touched.empty());
  ExpectServing("v1", r1.name);
}

TEST_F(DockerHostsRolloutTest, ConfigNginxRefusesLeavesTheOldOneServing) {
  ASSERT_TRUE(env_->RemoveAppContainers().ok());
  docker::DockerHostsRollout strategy;
  const ReleaseSpec r1 = Release("v1", 41), r2 = Release("v2", 42);
  Deploy(strategy, r1, nullptr);
  // Someone left a broken file in the first host's nginx config.
  const FleetHost& first = env_->inventory().hosts[0];
  auto options = SshOptionsForHost(env_->inventory(), first, nullptr);
  ASSERT_TRUE(options.ok());
  auto ssh = SshSession::Connect(*options);
  ASSERT_TRUE(ssh.ok()) << ssh.status().ToString();
  const std::string broken = "/etc/nginx/conf.d/zz-broken.conf";
  ASSERT_TRUE((*ssh)->UploadContent("this is not nginx;\n", {.remote_path = broken}).ok());

  LoadGenerator load(env_->addresses(), 80, 1);
  RolloutContext ctx = Context(&r2, &r1);
  RolloutOutcome outcome;
  Status s = strategy.Rollout(ctx, outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("host " + first.name + ": nginx refuses the new config"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("the previous config is back"), std::string::npos) << s.message();
  EXPECT_TRUE(outcome.touched.empty());
  ExpectServing("v1", r1.name);  // and the new container is gone again
  auto live = (*ssh)->ExecArgv({"cat", "/etc/nginx/conf.d/kelola-web.conf"});
  ASSERT_TRUE(live.ok());
  EXPECT_NE(live->out.find("release " + r1.name), std::string::npos) << live->out;
  ASSERT_TRUE((*ssh)->ExecArgv({"rm", "-f", broken}).ok());
  ExpectNoFailures(load.Stop(), 20);
}

// The control for every "0 failed" above: the same load generator does
// see a host that stops serving (its app container killed, no deploy).
TEST_F(DockerHostsRolloutTest, LoadGeneratorSeesAnOutage) {
  ASSERT_TRUE(env_->RemoveAppContainers().ok());
  docker::DockerHostsRollout strategy;
  const ReleaseSpec r1 = Release("v1", 51);
  Deploy(strategy, r1, nullptr);
  LoadGenerator load(env_->addresses(), 80, 1);
  auto apps = env_->docker().ListContainerInfos(
      {{docker::kDeployTargetLabel, "web"}, {docker::kDeployHostLabel, env_->inventory().hosts[0].name}});
  ASSERT_TRUE(apps.ok() && apps->size() == 1u);
  ASSERT_TRUE(env_->docker().RemoveContainer((*apps)[0].id).ok());
  // The outage to see: the load keeps going half a second with host 1 down.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  LoadStats stats = load.Stop();
  EXPECT_GT(stats.failures, 0);
  EXPECT_GT(stats.longest_outage, std::chrono::milliseconds(300));
  ASSERT_FALSE(stats.failure_samples.empty());
  EXPECT_NE(stats.failure_samples[0].find(env_->inventory().hosts[0].address), std::string::npos);
}

TEST_F(DockerHostsRolloutTest, UnreachableHostAndNoHostsAreClearErrors) {
  docker::DockerHostsRollout strategy;
  const ReleaseSpec r1 = Release("v1", 31);
  auto port = harness::FreePort();
  ASSERT_TRUE(port.ok());
  FleetInventory down = env_->inventory();
  down.hosts.resize(1);
  down.hosts[0].name = "gone-1";
  down.hosts[0].address = "127.0.0.1";
  down.hosts[0].port = *port;  // nothing listens
  down.connect_timeout = std::chrono::seconds(3);
  RolloutContext ctx = Context(&r1, nullptr, &down);
  RolloutOutcome outcome;
  Status s = strategy.Rollout(ctx, outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("host gone-1: unreachable over SSH"), std::string::npos) << s.message();
  EXPECT_TRUE(outcome.touched.empty());

  FleetInventory none;
  ctx = Context(&r1, nullptr, &none);
  s = strategy.Rollout(ctx, outcome);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("no hosts match"), std::string::npos) << s.message();

  ReleaseSpec by_tag = r1;
  by_tag.image_digest = "127.0.0.1:5000/web:v1";
  ctx = Context(&by_tag, nullptr);
  s = strategy.Rollout(ctx, outcome);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();

  // Without a previous release there is nothing to roll back to.
  ctx = Context(&r1, nullptr);
  EXPECT_EQ(strategy.RollBack(ctx, outcome).code(), StatusCode::kFailedPrecondition);

  // A secret that does not resolve stops the rollout before any host changes.
  target_.dockerhosts.secrets = {{"DB_URL", "missing", ""}};
  ctx = Context(&r1, nullptr);
  s = strategy.Rollout(ctx, outcome);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("env DB_URL from secret missing"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace kelola
