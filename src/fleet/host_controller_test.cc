// The host state machine with a FakeClock, an in-memory Store and fakes of
// the three seams (provider, bootstrapper, health checker): every
// transition, reason and event, with no threads, sockets or sleeps. The real
// bootstrapper and checker against real sshd: host_controller_sshd_test.cc.
#include "fleet/host_controller.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "engine/fake_store_for_test.h"

namespace kelola {
namespace {

using namespace std::chrono_literals;

// A provider whose instances the test sets; counts Describe calls.
class FakeProvider final : public FleetProvider {
 public:
  std::string Name() const override { return "fake"; }
  Status Validate(const ServerGroupSpec&) const override { return OkStatus(); }
  Result<GroupNetwork> EnsureNetwork(const ServerGroupSpec&) override { return GroupNetwork{}; }
  Result<std::vector<ProviderInstance>> Launch(const ServerGroupSpec&, const GroupNetwork&,
                                               const std::vector<LaunchSpec>&) override {
    return std::vector<ProviderInstance>{};
  }
  Result<std::vector<ProviderInstance>> List(const ServerGroupSpec&) override {
    std::vector<ProviderInstance> out;
    for (const auto& [id, i] : instances) out.push_back(i);
    return out;
  }
  Result<ProviderInstance> Describe(const ServerGroupSpec&, const std::string& id) override {
    ++describes;
    if (!describe_error.ok()) return describe_error;
    auto it = instances.find(id);
    if (it == instances.end()) return NotFoundError("instance " + id + " does not exist");
    return it->second;
  }
  Status Terminate(const ServerGroupSpec&, const std::vector<std::string>&) override { return OkStatus(); }
  Status DeleteNetwork(const ServerGroupSpec&) override { return OkStatus(); }

  std::map<std::string, ProviderInstance> instances;
  Status describe_error;
  int describes = 0;
};

class FakeBootstrapper final : public HostBootstrapper {
 public:
  Status Start(const BootstrapRequest& request) override {
    if (jobs.count(request.key) == 0) {
      jobs[request.key] = BootstrapProgress{};
      starts.push_back(request);
    }
    return OkStatus();
  }
  std::optional<BootstrapProgress> Poll(const std::string& key) override {
    auto it = jobs.find(key);
    if (it == jobs.end()) return std::nullopt;
    return it->second;
  }
  void Forget(const std::string& key) override { jobs.erase(key); }

  std::map<std::string, BootstrapProgress> jobs;
  std::vector<BootstrapRequest> starts;
};

class FakeHealthChecker final : public HealthChecker {
 public:
  Status Check(const HealthCheckSpec&, const Resource& host) override {
    ++calls;
    if (on_check) on_check(host);
    if (results.empty()) return next;
    Status s = results.front();
    results.pop_front();
    return s;
  }
  std::deque<Status> results;
  Status next;
  int calls = 0;
  std::function<void(const Resource&)> on_check;
};

const char* kRunbook = "name: app\nsteps:\n  - command: touch /tmp/app\n";

class HostControllerTest : public ::testing::Test {
 protected:
  HostControllerTest() {
    auto registry = std::make_shared<FleetProviderRegistry>();
    registry->Add(provider_);
    HostControllerDeps deps;
    deps.providers = registry;
    deps.clock = &clock_;
    deps.health = health_;
    deps.bootstrapper = bootstrapper_;
    controller_ = std::make_unique<HostController>(store_, deps);

    group_.name = "web";
    group_.provider = "fake";
    group_.count = 2;
    group_.bootstrap.runbook = kRunbook;
    group_.bootstrap.ssh_user = "deploy";
    group_.bootstrap.ssh_key_secret = "fleet-key";
    group_.bootstrap.timeout = 10min;
    group_.health.kind = HealthCheckSpec::Kind::kHttp;
    group_.health.port = 8080;
    group_.health.path = "/healthz";
    group_.health.interval = 10s;
    group_.health.unhealthy_threshold = 3;
    PutGroup();
  }

  void PutGroup() {
    Resource r;
    r.kind = "ServerGroup";
    r.name = group_.name;
    r.spec_json = EncodeServerGroupSpec(group_);
    ASSERT_TRUE(store_.PutResource(r, {}).ok());
  }

  void PutHost(const std::string& name, HostState state, const std::string& provider_id = "i-1",
               const std::string& spec_json = "{}") {
    Resource r;
    r.kind = "Host";
    r.name = name;
    r.labels = {{kFleetGroupLabel, "web"}, {kFleetProviderLabel, "fake"}};
    r.spec_json = spec_json;
    FleetHostStatus s;
    s.state = state;
    s.since = clock_.Now();
    s.group = "web";
    s.provider = "fake";
    s.provider_id = provider_id;
    if (state == HostState::kReady) {
      s.ready_at = clock_.Now();
      s.address = "10.0.0.5";
    }
    r.status_json = EncodeFleetHostStatus(s);
    ASSERT_TRUE(store_.PutResource(r, {}).ok());
  }

  void SetInstance(ProviderInstance::State state, const std::string& detail = "",
                   const std::string& address = "10.0.0.5") {
    ProviderInstance i;
    i.provider_id = "i-1";
    i.host_name = "web-1";
    i.group = "web";
    i.state = state;
    i.state_detail = detail;
    i.address = address;
    i.image = "img";
    i.size = "small";
    i.launched_at = clock_.Now();
    provider_->instances["i-1"] = i;
  }

  FleetHostStatus StatusOf(const std::string& name) {
    auto r = store_.GetResource("Host", name);
    EXPECT_TRUE(r.ok());
    auto s = DecodeFleetHostStatus(r->status_json);
    EXPECT_TRUE(s.ok());
    return *s;
  }
  nlohmann::json SpecOf(const std::string& name) {
    return nlohmann::json::parse(store_.GetResource("Host", name)->spec_json);
  }

  ReconcileResult Reconcile(const std::string& name = "web-1") {
    auto r = controller_->Reconcile("Host/" + name);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ReconcileResult{};
  }

  // The fleet.host.* events, as "type reason".
  std::vector<std::string> FleetEvents() {
    EventFilter filter;
    filter.type_prefix = "fleet.host.";
    std::vector<std::string> out;
    auto events = store_.ListEvents(filter);
    EXPECT_TRUE(events.ok());
    for (const Event& e : *events) {
      auto data = nlohmann::json::parse(e.data_json);
      EXPECT_EQ(e.subject, "Host/" + data["host"].get<std::string>());
      out.push_back(e.type + " " + data["reason"].get<std::string>());
    }
    return out;
  }

  FakeClock clock_;
  FakeStore store_{clock_};
  std::shared_ptr<FakeProvider> provider_ = std::make_shared<FakeProvider>();
  std::shared_ptr<FakeBootstrapper> bootstrapper_ = std::make_shared<FakeBootstrapper>();
  std::shared_ptr<FakeHealthChecker> health_ = std::make_shared<FakeHealthChecker>();
  std::unique_ptr<HostController> controller_;
  ServerGroupSpec group_;
};

TEST_F(HostControllerTest, LaunchedHostGoesThroughBootstrapToReady) {
  PutHost("web-1", HostState::kLaunching);
  SetInstance(ProviderInstance::State::kPending, "pending");
  EXPECT_EQ(Reconcile().requeue_after, HostController::kPollInterval);
  EXPECT_EQ(StatusOf("web-1").state, HostState::kLaunching);

  SetInstance(ProviderInstance::State::kRunning, "running");
  EXPECT_FALSE(Reconcile().requeue_after.has_value()) << "its own write brings it back";
  FleetHostStatus s = StatusOf("web-1");
  EXPECT_EQ(s.state, HostState::kBooted);
  EXPECT_EQ(s.address, "10.0.0.5");
  EXPECT_EQ(s.image, "img");
  EXPECT_EQ(SpecOf("web-1"), nlohmann::json::parse(R"({"address":"10.0.0.5","port":22,"user":"deploy",
                                                       "credentials":{"sshKeySecret":"fleet-key"}})"));

  Reconcile();
  s = StatusOf("web-1");
  EXPECT_EQ(s.state, HostState::kBootstrapping);
  EXPECT_EQ(s.reason, "waiting for sshd");
  EXPECT_EQ(s.since, clock_.Now());

  EXPECT_EQ(Reconcile().requeue_after, HostController::kPollInterval);
  ASSERT_EQ(bootstrapper_->starts.size(), 1u);
  const BootstrapRequest& started = bootstrapper_->starts[0];
  EXPECT_EQ(started.key, "Host/web-1");
  EXPECT_EQ(started.runbook_yaml, kRunbook);
  EXPECT_EQ(started.runbook_name, "ServerGroup/web spec.bootstrap.runbook");
  EXPECT_EQ(started.deadline, clock_.Monotonic() + 10min);
  EXPECT_EQ(nlohmann::json::parse(started.host.spec_json)["address"], "10.0.0.5");

  // The bootstrapper learned the host key and runs the runbook.
  clock_.Advance(3s);
  bootstrapper_->jobs["Host/web-1"].phase = BootstrapProgress::Phase::kApplyingRunbook;
  bootstrapper_->jobs["Host/web-1"].host_key = "ssh-ed25519 AAAAlearned";
  Reconcile();
  EXPECT_EQ(SpecOf("web-1")["hostKey"], "ssh-ed25519 AAAAlearned");
  EXPECT_EQ(StatusOf("web-1").reason, "applying the bootstrap runbook");
  EXPECT_EQ(bootstrapper_->starts.size(), 1u) << "one job per host";

  // Bootstrapped; the app answers 503 first, then 200.
  bootstrapper_->jobs["Host/web-1"].phase = BootstrapProgress::Phase::kSucceeded;
  health_->results = {UnavailableError("http http://10.0.0.5:8080/healthz: HTTP 503")};
  EXPECT_EQ(Reconcile().requeue_after, HostController::kPollInterval);
  s = StatusOf("web-1");
  EXPECT_EQ(s.state, HostState::kBootstrapping);
  EXPECT_EQ(s.last_check, "http http://10.0.0.5:8080/healthz: HTTP 503");
  Reconcile();  // woken by its own write: no second check within the poll interval
  EXPECT_EQ(health_->calls, 1);

  clock_.Advance(1s);
  EXPECT_EQ(Reconcile().requeue_after, 10s);
  s = StatusOf("web-1");
  EXPECT_EQ(s.state, HostState::kReady);
  EXPECT_EQ(s.ready_at, clock_.Now());
  EXPECT_EQ(s.last_check, "ok");
  EXPECT_EQ(s.consecutive_failures, 0);
  EXPECT_TRUE(bootstrapper_->jobs.empty()) << "the finished job is forgotten";

  EXPECT_EQ(FleetEvents(), (std::vector<std::string>{
                               "fleet.host.booted running at 10.0.0.5:22",
                               "fleet.host.bootstrapping waiting for sshd",
                               "fleet.host.ready bootstrapped; health check passed",
                           }));
}

TEST_F(HostControllerTest, ProviderPortAndHostKeyWinOverTheGroupDefaults) {
  PutHost("web-1", HostState::kLaunching, "i-1", R"({"keep":"me"})");
  SetInstance(ProviderInstance::State::kRunning, "running", "127.0.0.1");
  provider_->instances["i-1"].ssh_port = 32768;
  provider_->instances["i-1"].host_key = "ssh-ed25519 AAAAfromprovider";
  Reconcile();
  auto spec = SpecOf("web-1");
  EXPECT_EQ(spec["port"], 32768);
  EXPECT_EQ(spec["hostKey"], "ssh-ed25519 AAAAfromprovider");
  EXPECT_EQ(spec["keep"], "me") << "fields set by others survive";

  group_.bootstrap.ssh_port = 2222;
  PutGroup();
  PutHost("web-2", HostState::kLaunching, "i-2");
  provider_->instances["i-2"] = provider_->instances["i-1"];
  provider_->instances["i-2"].ssh_port = 22;
  Reconcile("web-2");
  EXPECT_EQ(SpecOf("web-2")["port"], 2222) << "the provider's plain 22 yields to spec.bootstrap.sshPort";
}

TEST_F(HostControllerTest, LaunchingHostFailsWhenTheInstanceStopsOrVanishes) {
  PutHost("web-1", HostState::kLaunching);
  SetInstance(ProviderInstance::State::kStopped, "exited (137)");
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").state, HostState::kFailed);
  EXPECT_EQ(StatusOf("web-1").reason, "instance stopped: exited (137)");

  PutHost("web-2", HostState::kLaunching, "i-gone");
  EXPECT_EQ(Reconcile("web-2").requeue_after, HostController::kPollInterval) << "EC2 may not know it yet";
  clock_.Advance(HostController::kNotFoundGrace);
  Reconcile("web-2");
  EXPECT_EQ(StatusOf("web-2").state, HostState::kFailed);
  EXPECT_EQ(StatusOf("web-2").reason, "instance i-gone not found at provider fake: instance i-gone does not exist");

  PutHost("web-3", HostState::kLaunching, "i-1");
  provider_->describe_error = UnavailableError("docker engine not answering");
  auto r = controller_->Reconcile("Host/web-3");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << "retried with backoff, host untouched";
  EXPECT_EQ(StatusOf("web-3").state, HostState::kLaunching);
}

TEST_F(HostControllerTest, PendingTooLongFails) {
  PutHost("web-1", HostState::kLaunching);
  SetInstance(ProviderInstance::State::kPending, "pending");
  clock_.Advance(10min);
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").reason, "instance not running with an address after 10m (pending)");
}

TEST_F(HostControllerTest, FailedRunbookFailsTheHostWithTheStep) {
  PutHost("web-1", HostState::kBootstrapping);
  Reconcile();
  bootstrapper_->jobs["Host/web-1"].phase = BootstrapProgress::Phase::kFailed;
  bootstrapper_->jobs["Host/web-1"].detail =
      "runbook step \"install\" (runbook:3:5) failed: exit 100: E: Unable to locate package nginxx";
  Reconcile();
  FleetHostStatus s = StatusOf("web-1");
  EXPECT_EQ(s.state, HostState::kFailed);
  EXPECT_EQ(s.reason,
            "bootstrap failed: runbook step \"install\" (runbook:3:5) failed: exit 100: E: Unable to locate package "
            "nginxx");
  EXPECT_TRUE(bootstrapper_->jobs.empty());
  EXPECT_EQ(FleetEvents().back(), "fleet.host.failed " + s.reason);
}

TEST_F(HostControllerTest, NotReadyWithinTheBootstrapTimeoutFails) {
  PutHost("web-1", HostState::kBootstrapping);
  Reconcile();
  bootstrapper_->jobs["Host/web-1"].detail = "waiting for sshd: connection refused (attempt 40)";
  clock_.Advance(9min);
  EXPECT_EQ(Reconcile().requeue_after, HostController::kPollInterval);
  clock_.Advance(1min);
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").reason, "not Ready within 10m: waiting for sshd: connection refused (attempt 40)");
  EXPECT_TRUE(bootstrapper_->jobs.empty()) << "the job is cancelled";

  // Bootstrapped, but the health check never passes.
  PutHost("web-2", HostState::kBootstrapping);
  Reconcile("web-2");
  bootstrapper_->jobs["Host/web-2"].phase = BootstrapProgress::Phase::kSucceeded;
  health_->next = DeadlineExceededError("tcp 10.0.0.5:8080: no answer within 5000 ms");
  Reconcile("web-2");
  clock_.Advance(10min);
  Reconcile("web-2");
  EXPECT_EQ(StatusOf("web-2").reason,
            "not Ready within 10m: health check: tcp 10.0.0.5:8080: no answer within 5000 ms");
}

TEST_F(HostControllerTest, RestartMidBootstrapStartsTheJobAgainWithTheRemainingTime) {
  PutHost("web-1", HostState::kBootstrapping);
  clock_.Advance(4min);  // the server was down meanwhile: no job in memory
  Reconcile();
  ASSERT_EQ(bootstrapper_->starts.size(), 1u);
  EXPECT_EQ(bootstrapper_->starts[0].deadline, clock_.Monotonic() + 6min);
}

TEST_F(HostControllerTest, WithoutRunbookNoSshIsNeeded) {
  group_.bootstrap.runbook = "";
  group_.health.kind = HealthCheckSpec::Kind::kTcp;
  PutGroup();
  PutHost("web-1", HostState::kBooted);
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").reason, "no runbook: waiting for the health check");
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").state, HostState::kReady);
  EXPECT_TRUE(bootstrapper_->starts.empty());

  group_.health.kind = HealthCheckSpec::Kind::kNone;
  PutGroup();
  PutHost("web-2", HostState::kBootstrapping);
  Reconcile("web-2");
  EXPECT_EQ(StatusOf("web-2").state, HostState::kReady);
  EXPECT_EQ(StatusOf("web-2").reason, "bootstrapped (no health check configured)");

  group_.health.kind = HealthCheckSpec::Kind::kCommand;  // a command check needs the SSH login and host key
  group_.health.command = "true";
  PutGroup();
  PutHost("web-3", HostState::kBootstrapping);
  Reconcile("web-3");
  ASSERT_EQ(bootstrapper_->starts.size(), 1u);
  EXPECT_EQ(bootstrapper_->starts[0].runbook_yaml, "");
}

TEST_F(HostControllerTest, ReadyHostFailsAfterThresholdConsecutiveFailures) {
  SetInstance(ProviderInstance::State::kRunning, "running");
  PutHost("web-1", HostState::kReady);
  const Status down = UnavailableError("http http://10.0.0.5:8080/healthz: HTTP 503");
  health_->results = {down, OkStatus(), down, down};
  health_->next = down;

  EXPECT_EQ(Reconcile().requeue_after, 10s);
  EXPECT_EQ(StatusOf("web-1").consecutive_failures, 1);
  EXPECT_EQ(provider_->describes, 1) << "a failed check asks the provider";
  EXPECT_EQ(Reconcile().requeue_after, 10s) << "woken early: no check before the interval";
  EXPECT_EQ(health_->calls, 1);

  clock_.Advance(10s);
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").consecutive_failures, 0) << "a pass resets the count";
  EXPECT_EQ(StatusOf("web-1").last_check, "ok");
  const int64_t version = store_.GetResource("Host", "web-1")->resource_version;
  for (int i = 0; i < 2; ++i) {
    clock_.Advance(10s);
    Reconcile();
  }
  EXPECT_GT(store_.GetResource("Host", "web-1")->resource_version, version);
  EXPECT_EQ(StatusOf("web-1").consecutive_failures, 2);
  EXPECT_EQ(StatusOf("web-1").state, HostState::kReady);
  clock_.Advance(10s);
  EXPECT_FALSE(Reconcile().requeue_after.has_value());
  FleetHostStatus s = StatusOf("web-1");
  EXPECT_EQ(s.state, HostState::kFailed);
  EXPECT_EQ(s.reason, "health check failed 3 times: http http://10.0.0.5:8080/healthz: HTTP 503");
  EXPECT_EQ(FleetEvents(), std::vector<std::string>{"fleet.host.failed " + s.reason});

  Reconcile();  // Failed belongs to the group controller
  EXPECT_EQ(health_->calls, 5);
}

TEST_F(HostControllerTest, HealthyHostIsNotRewrittenEveryInterval) {
  SetInstance(ProviderInstance::State::kRunning, "running");
  PutHost("web-1", HostState::kReady);
  Reconcile();
  const int64_t version = store_.GetResource("Host", "web-1")->resource_version;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(10s);
    Reconcile();
  }
  EXPECT_EQ(health_->calls, 6);
  EXPECT_EQ(provider_->describes, 0) << "healthy hosts cost the provider nothing";
  EXPECT_EQ(store_.GetResource("Host", "web-1")->resource_version, version);
}

TEST_F(HostControllerTest, FailuresInTheGracePeriodAreNotCounted) {
  group_.health.grace = 30s;
  PutGroup();
  SetInstance(ProviderInstance::State::kRunning, "running");
  PutHost("web-1", HostState::kReady);
  health_->next = UnavailableError("tcp 10.0.0.5:8080: Connection refused");
  for (int i = 0; i < 3; ++i) {
    Reconcile();
    clock_.Advance(10s);
  }
  EXPECT_EQ(StatusOf("web-1").state, HostState::kReady);
  EXPECT_EQ(StatusOf("web-1").consecutive_failures, 0);
  EXPECT_EQ(StatusOf("web-1").last_check, "tcp 10.0.0.5:8080: Connection refused");
  for (int i = 0; i < 3; ++i) {
    Reconcile();
    clock_.Advance(10s);
  }
  EXPECT_EQ(StatusOf("web-1").state, HostState::kFailed);
}

TEST_F(HostControllerTest, StoppedInstanceFailsAReadyHostAtOnce) {
  SetInstance(ProviderInstance::State::kStopped, "exited (137)");
  PutHost("web-1", HostState::kReady);
  health_->next = UnavailableError("tcp 10.0.0.5:8080: Connection refused");
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").state, HostState::kFailed);
  EXPECT_EQ(StatusOf("web-1").reason, "instance stopped: exited (137)");

  // Without a health check the provider is asked every interval.
  group_.health.kind = HealthCheckSpec::Kind::kNone;
  PutGroup();
  SetInstance(ProviderInstance::State::kRunning, "running");
  PutHost("web-1", HostState::kReady);
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").state, HostState::kReady);
  provider_->instances.clear();
  clock_.Advance(10s);
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").reason, "instance i-1 no longer exists at provider fake");
}

TEST_F(HostControllerTest, LeavesForeignHostsAndOtherStatesAlone) {
  for (HostState state : {HostState::kRequested, HostState::kFailed, HostState::kDraining, HostState::kTerminating}) {
    PutHost("web-1", state);
    const int64_t version = store_.GetResource("Host", "web-1")->resource_version;
    EXPECT_FALSE(Reconcile().requeue_after.has_value());
    EXPECT_EQ(store_.GetResource("Host", "web-1")->resource_version, version);
  }
  Resource plain;
  plain.kind = "Host";
  plain.name = "db-1";
  plain.spec_json = R"({"address":"10.9.9.9"})";
  ASSERT_TRUE(store_.PutResource(plain, {}).ok());
  Reconcile("db-1");
  EXPECT_TRUE(controller_->Reconcile("Host/nobody").ok());
  EXPECT_TRUE(controller_->Reconcile("ServerGroup/web").ok());
  EXPECT_EQ(provider_->describes, 0);
  EXPECT_EQ(health_->calls, 0);
  EXPECT_TRUE(FleetEvents().empty());
}

TEST_F(HostControllerTest, AConcurrentChangeByTheGroupControllerWins) {
  SetInstance(ProviderInstance::State::kRunning, "running");
  PutHost("web-1", HostState::kReady);
  health_->next = UnavailableError("down");
  group_.health.unhealthy_threshold = 1;
  PutGroup();
  // While the check runs, the group controller starts draining the host.
  health_->on_check = [&](const Resource&) {
    auto host = *store_.GetResource("Host", "web-1");
    auto s = *DecodeFleetHostStatus(host.status_json);
    s.state = HostState::kDraining;
    host.status_json = EncodeFleetHostStatus(s);
    ASSERT_TRUE(store_.PutResource(host, {}).ok());
  };
  auto r = controller_->Reconcile("Host/web-1");
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_EQ(StatusOf("web-1").state, HostState::kDraining);
  health_->on_check = nullptr;
  clock_.Advance(10s);
  Reconcile();
  EXPECT_EQ(StatusOf("web-1").state, HostState::kDraining);
  EXPECT_TRUE(FleetEvents().empty());
}

TEST_F(HostControllerTest, MissingGroupOrBadStatusIsNotAnError) {
  PutHost("web-1", HostState::kLaunching);
  ASSERT_TRUE(store_.DeleteResource("ServerGroup", "web", std::nullopt, "test").ok());
  EXPECT_FALSE(Reconcile().requeue_after.has_value());
  EXPECT_EQ(StatusOf("web-1").state, HostState::kLaunching);
  EXPECT_EQ(provider_->describes, 0);
}

TEST(HostControllerRegistrationTest, RefusesMissingDependencies) {
  FakeClock clock;
  FakeStore store(clock);
  ControllerManager manager(store, clock);
  HostControllerDeps deps;
  EXPECT_EQ(RegisterHostController(manager, deps).message(), "the host controller needs a provider registry");
  deps.providers = std::make_shared<FleetProviderRegistry>();
  EXPECT_EQ(RegisterHostController(manager, deps).message(), "the host controller needs a work_dir for host keys");
  deps.work_dir = "/nonexistent/fleet";  // made by the first bootstrap that needs it
  EXPECT_TRUE(RegisterHostController(manager, deps).ok());
  EXPECT_TRUE(manager.Stats(kHostControllerName).ok());
}

TEST(HostControllerRegistrationTest, RunsUnderTheControllerManagerToReady) {
  FakeClock clock;
  FakeStore store(clock);
  auto provider = std::make_shared<FakeProvider>();
  auto registry = std::make_shared<FleetProviderRegistry>();
  registry->Add(provider);
  auto bootstrapper = std::make_shared<FakeBootstrapper>();
  auto health = std::make_shared<FakeHealthChecker>();
  ControllerManager manager(store, clock);
  HostControllerDeps deps;
  deps.providers = registry;
  deps.clock = &clock;
  deps.health = health;
  deps.bootstrapper = bootstrapper;
  ASSERT_TRUE(RegisterHostController(manager, deps).ok());

  ServerGroupSpec group;
  group.name = "web";
  group.provider = "fake";
  group.health.kind = HealthCheckSpec::Kind::kTcp;
  group.health.port = 80;
  Resource g;
  g.kind = "ServerGroup";
  g.name = "web";
  g.spec_json = EncodeServerGroupSpec(group);
  ASSERT_TRUE(store.PutResource(g, {}).ok());
  ProviderInstance i;
  i.provider_id = "c-1";
  i.state = ProviderInstance::State::kRunning;
  i.address = "127.0.0.1";
  i.ssh_port = 40022;
  provider->instances["c-1"] = i;
  Resource h;
  h.kind = "Host";
  h.name = "web-1";
  h.labels = {{kFleetGroupLabel, "web"}};
  FleetHostStatus s;
  s.state = HostState::kLaunching;
  s.provider_id = "c-1";
  s.since = clock.Now();
  h.status_json = EncodeFleetHostStatus(s);
  ASSERT_TRUE(store.PutResource(h, {}).ok());

  ASSERT_TRUE(manager.Start(ControllerManager::Execution::kCallerDriven).ok());
  // Each write's change event enqueues the host again: no time has to pass.
  for (int i = 0; i < 6; ++i) manager.RunPending();
  EXPECT_EQ(DecodeFleetHostStatus(store.GetResource("Host", "web-1")->status_json)->state, HostState::kReady);
  manager.Stop();
}

}  // namespace
}  // namespace kelola
