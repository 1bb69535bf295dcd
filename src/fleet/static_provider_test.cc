// The static provider: validation, and adoption derived from the group's
// Host resources (deterministic, idempotent, restart-safe), on the
// in-memory Store.
#include "fleet/static_provider.h"

#include <gtest/gtest.h>

#include "engine/fake_store_for_test.h"
#include "fleet/fleet_host.h"

namespace kelola {
namespace {

class StaticProviderTest : public ::testing::Test {
 protected:
  StaticProviderTest() {
    spec_.name = "web";
    spec_.provider = "static";
    spec_.count = 2;
    spec_.static_hosts = {{"10.0.0.1", 22, ""},
                          {"10.0.0.2", 2222, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk"},
                          {"db.example.com", 22, ""}};
  }

  // What the group controller records once Launch returned.
  void Record(const std::string& host, const std::string& provider_id, HostState state = HostState::kLaunching,
              const std::string& spec_json = "{}") {
    Resource r;
    r.spec_json = spec_json;
    r.kind = "Host";
    r.name = host;
    r.labels = {{kFleetGroupLabel, spec_.name}, {kFleetProviderLabel, "static"}};
    FleetHostStatus s;
    s.state = state;
    s.group = spec_.name;
    s.provider = "static";
    s.provider_id = provider_id;
    r.status_json = EncodeFleetHostStatus(s);
    ASSERT_TRUE(store_.PutResource(r, {}).ok());
  }

  std::vector<std::string> LaunchIds(const std::vector<std::string>& names) {
    std::vector<LaunchSpec> hosts;
    for (const auto& n : names) hosts.push_back({n, "token-" + n});
    auto launched = provider_.Launch(spec_, {}, hosts);
    EXPECT_TRUE(launched.ok()) << launched.status().ToString();
    std::vector<std::string> ids;
    if (!launched.ok()) return ids;
    for (size_t i = 0; i < launched->size(); ++i) {
      EXPECT_EQ((*launched)[i].host_name, names[i]);
      ids.push_back((*launched)[i].provider_id);
    }
    return ids;
  }

  FakeClock clock_;
  FakeStore store_{clock_};
  StaticProvider provider_{store_};
  ServerGroupSpec spec_;
};

TEST_F(StaticProviderTest, ValidateNamesTheBadField) {
  EXPECT_TRUE(provider_.Validate(spec_).ok());
  auto message = [&](ServerGroupSpec s) { return provider_.Validate(s).message(); };
  ServerGroupSpec s = spec_;
  s.static_hosts.clear();
  s.count = 0;
  EXPECT_EQ(message(s), "spec.staticHosts: the static provider adopts existing machines; list at least one");
  s = spec_;
  s.static_hosts[1].address = "10.0.0.300";
  EXPECT_EQ(message(s), "spec.staticHosts[1].address: \"10.0.0.300\" is neither an IP address nor a host name");
  s.static_hosts[1].address = "bad host";
  EXPECT_EQ(message(s), "spec.staticHosts[1].address: \"bad host\" is neither an IP address nor a host name");
  s.static_hosts[1].address = "fd00::5";
  EXPECT_TRUE(provider_.Validate(s).ok());
  s = spec_;
  s.static_hosts[2] = {"10.0.0.1", 22, ""};
  EXPECT_EQ(message(s), "spec.staticHosts[2]: 10.0.0.1:22 is already spec.staticHosts[0]");
  s.static_hosts[2].port = 23;
  EXPECT_TRUE(provider_.Validate(s).ok()) << "one address, two sshd ports: two machines";
  s.static_hosts[2].port = 0;
  EXPECT_EQ(message(s), "spec.staticHosts[2].port: 0 is not 1 to 65535");
  s = spec_;
  s.static_hosts[0].host_key = "AAAA";
  EXPECT_NE(message(s).find("spec.staticHosts[0].hostKey"), std::string::npos);
  s = spec_;
  s.count = 4;
  EXPECT_EQ(message(s), "spec.count 4 is more than the 3 machines in spec.staticHosts");
}

TEST_F(StaticProviderTest, AdoptsInListOrderAndDescribesTheMachine) {
  auto launched = provider_.Launch(spec_, {}, {{"web-1", "t1"}, {"web-2", "t2"}});
  ASSERT_TRUE(launched.ok());
  ASSERT_EQ(launched->size(), 2u);
  const ProviderInstance& second = (*launched)[1];
  EXPECT_EQ((*launched)[0].provider_id, "10.0.0.1:22");
  EXPECT_EQ(second.provider_id, "10.0.0.2:2222");
  EXPECT_EQ(second.address, "10.0.0.2");
  EXPECT_EQ(second.ssh_port, 2222);
  EXPECT_EQ(second.host_key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk");
  EXPECT_EQ(second.state, ProviderInstance::State::kRunning);
  EXPECT_EQ(second.group, "web");

  Record("web-1", "10.0.0.1:22");
  auto described = provider_.Describe(spec_, "10.0.0.1:22");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->host_name, "web-1");
  EXPECT_EQ(described->state_detail, "adopted by web-1");
  EXPECT_EQ(provider_.Describe(spec_, "10.0.0.3:22").status().code(), StatusCode::kNotFound);
}

TEST_F(StaticProviderTest, LaunchIsIdempotentAndRestartSafe) {
  EXPECT_EQ(LaunchIds({"web-1", "web-2"}), (std::vector<std::string>{"10.0.0.1:22", "10.0.0.2:2222"}));
  // Crash: only web-2's adoption was recorded. A new provider (restart)
  // gives web-1 the same machine again, and web-2 keeps its own.
  Record("web-2", "10.0.0.2:2222");
  StaticProvider restarted(store_);
  auto again = restarted.Launch(spec_, {}, {{"web-1", "t1"}, {"web-2", "t2"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].provider_id, "10.0.0.1:22");
  EXPECT_EQ((*again)[1].provider_id, "10.0.0.2:2222");
  Record("web-1", "10.0.0.1:22");
  EXPECT_EQ(LaunchIds({"web-3"}), std::vector<std::string>{"db.example.com:22"});
  EXPECT_EQ(LaunchIds({"web-2"}), std::vector<std::string>{"10.0.0.2:2222"});

  auto listed = provider_.List(spec_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].host_name, "web-1");
  EXPECT_EQ((*listed)[1].provider_id, "10.0.0.2:2222");
}

TEST_F(StaticProviderTest, NoFreeMachineFailsClearly) {
  spec_.static_hosts.pop_back();
  Record("web-1", "10.0.0.1:22", HostState::kReady);
  Record("web-2", "10.0.0.2:2222", HostState::kBootstrapping);
  auto launched = provider_.Launch(spec_, {}, {{"web-3", "t3"}});
  EXPECT_EQ(launched.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(launched.status().message(),
            "static group web: no free machine for web-3: all 2 machines of spec.staticHosts are adopted: "
            "10.0.0.1:22 (web-1), 10.0.0.2:2222 (web-2); add machines or wait for a host to be released");
}

TEST_F(StaticProviderTest, AReplacementReadoptsTheMachineOfAFailedHost) {
  spec_.static_hosts.pop_back();
  Record("web-1", "10.0.0.1:22", HostState::kFailed);
  Record("web-2", "10.0.0.2:2222", HostState::kReady);
  EXPECT_EQ(LaunchIds({"web-3"}), std::vector<std::string>{"10.0.0.1:22"});
  Record("web-3", "10.0.0.1:22");
  auto described = provider_.Describe(spec_, "10.0.0.1:22");
  EXPECT_EQ(described->host_name, "web-3") << "the live holder names the machine";
  // Terminating the failed host releases nothing the replacement needs.
  EXPECT_TRUE(provider_.Terminate(spec_, {"10.0.0.1:22"}).ok());
  ASSERT_TRUE(store_.DeleteResource("Host", "web-1", std::nullopt, "test").ok());
  EXPECT_EQ(provider_.List(spec_)->size(), 2u);
}

TEST_F(StaticProviderTest, AReadoptedMachineIsVerifiedWithTheKeyLearnedBefore) {
  spec_.static_hosts.pop_back();
  Record("web-1", "10.0.0.1:22", HostState::kFailed, R"({"address":"10.0.0.1","hostKey":"ssh-ed25519 AAAAlearned"})");
  Record("web-2", "10.0.0.2:2222", HostState::kReady);
  auto launched = provider_.Launch(spec_, {}, {{"web-3", "t3"}});
  ASSERT_TRUE(launched.ok());
  EXPECT_EQ((*launched)[0].provider_id, "10.0.0.1:22");
  EXPECT_EQ((*launched)[0].host_key, "ssh-ed25519 AAAAlearned");
  EXPECT_EQ(provider_.Describe(spec_, "10.0.0.1:22")->host_key, "ssh-ed25519 AAAAlearned");
  EXPECT_EQ(provider_.Describe(spec_, "10.0.0.2:2222")->host_key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk")
      << "the spec's key comes first";
}

TEST_F(StaticProviderTest, ReleasedMachinesAreFreeAgainAndNothingElseExists) {
  Record("web-1", "10.0.0.1:22");
  ASSERT_TRUE(provider_.Terminate(spec_, {"10.0.0.1:22"}).ok());
  ASSERT_TRUE(store_.DeleteResource("Host", "web-1", std::nullopt, "test").ok());
  EXPECT_EQ(LaunchIds({"web-4"}), std::vector<std::string>{"10.0.0.1:22"});
  EXPECT_TRUE(provider_.EnsureNetwork(spec_).ok());
  EXPECT_TRUE(provider_.EnsureNetwork(spec_)->ids.empty());
  EXPECT_TRUE(provider_.DeleteNetwork(spec_).ok());
  EXPECT_EQ(provider_.Name(), "static");

  // Hosts of another group hold nothing here.
  ServerGroupSpec other = spec_;
  other.name = "api";
  Record("web-4", "10.0.0.1:22");
  auto launched = provider_.Launch(other, {}, {{"api-1", "a1"}});
  EXPECT_EQ((*launched)[0].provider_id, "10.0.0.2:2222");
  EXPECT_TRUE(provider_.List(other)->empty());
  // A machine both groups list is adopted by one of them only.
  Record("web-5", "10.0.0.2:2222");
  Record("web-6", "db.example.com:22");
  auto none = provider_.Launch(other, {}, {{"api-1", "a1"}});
  EXPECT_EQ(none.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(none.status().message().find("10.0.0.2:2222 (web-5 of group web)"), std::string::npos)
      << none.status().message();
}

TEST(StaticMachineIdTest, BracketsIpv6) {
  EXPECT_EQ(StaticMachineId({"fd00::5", 22, ""}), "[fd00::5]:22");
  EXPECT_EQ(StaticMachineId({"10.0.0.1", 2222, ""}), "10.0.0.1:2222");
}

}  // namespace
}  // namespace kelola
