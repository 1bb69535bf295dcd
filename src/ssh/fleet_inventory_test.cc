#include "ssh/fleet_inventory.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace kelola {
namespace {

const char* kInventory = R"(known_hosts: keys/known_hosts
connect_timeout: 3s
defaults:
  user: deploy
  key: keys/fleet_ed25519
  labels: {env: prod}
groups:
  web:
    labels: {role: web}
    port: 2222
  canary:
    labels: {track: canary}
hosts:
  - name: web-1
    address: 10.0.0.11
    groups: [web, canary]
    labels: {zone: a}
  - name: web-2
    address: 10.0.0.12
    groups: web
    port: 22
  - name: db-1
    address: 10.0.0.21
    user: postgres
    jump: web-1
    passphrase: env:KELOLA_TEST_PASSPHRASE
    labels: {role: db, env: staging}
)";

Result<FleetInventory> Parse(const std::string& text) { return ParseFleetInventory(text, "fleet.yaml", "/etc/kelola"); }

TEST(FleetInventoryTest, MergesDefaultsGroupsAndHosts) {
  auto inventory = Parse(kInventory);
  ASSERT_TRUE(inventory.ok()) << inventory.status().ToString();
  ASSERT_EQ(inventory->hosts.size(), 3u);
  EXPECT_EQ(inventory->known_hosts_path, "/etc/kelola/keys/known_hosts");
  EXPECT_EQ(inventory->connect_timeout, std::chrono::seconds(3));
  const FleetHost& web1 = inventory->hosts[0];
  EXPECT_EQ(web1.address, "10.0.0.11");
  EXPECT_EQ(web1.port, 2222);
  EXPECT_EQ(web1.user, "deploy");
  EXPECT_EQ(web1.key_path, "/etc/kelola/keys/fleet_ed25519");
  EXPECT_EQ(web1.labels,
            (std::map<std::string, std::string>{{"env", "prod"}, {"role", "web"}, {"track", "canary"}, {"zone", "a"}}));
  EXPECT_EQ(web1.source, "fleet.yaml:14:5");
  EXPECT_EQ(inventory->hosts[1].port, 22);  // the host wins over its group
  EXPECT_EQ(inventory->hosts[1].groups, std::vector<std::string>{"web"});
  const FleetHost& db = inventory->hosts[2];
  EXPECT_EQ(db.user, "postgres");
  EXPECT_EQ(db.labels.at("env"), "staging");
  EXPECT_EQ(db.jump, "web-1");
}

TEST(FleetInventoryTest, SelectsByLabelsGroupsAndNames) {
  auto inventory = Parse(kInventory);
  ASSERT_TRUE(inventory.ok());
  auto names = [&](const FleetSelection& selection) {
    std::vector<std::string> out;
    auto selected = SelectFleetHosts(*inventory, selection);
    EXPECT_TRUE(selected.ok()) << selected.status().ToString();
    if (selected.ok()) {
      for (const FleetHost* host : *selected) out.push_back(host->name);
    }
    return out;
  };
  EXPECT_EQ(names({"role=web"}), (std::vector<std::string>{"web-1", "web-2"}));
  EXPECT_EQ(names({"env in (prod,staging),!track"}), (std::vector<std::string>{"web-2", "db-1"}));
  EXPECT_EQ(names({"", {"canary"}}), (std::vector<std::string>{"web-1"}));
  EXPECT_EQ(names({"", {}, {"db-1"}}), (std::vector<std::string>{"db-1"}));
  EXPECT_EQ(names({}).size(), 3u);
}

TEST(FleetInventoryTest, SelectorMatchingNothingIsAClearError) {
  auto inventory = Parse(kInventory);
  ASSERT_TRUE(inventory.ok());
  auto none = SelectFleetHosts(*inventory, {"role=cache"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "selector \"role=cache\" matched none of the 3 hosts in fleet.yaml");
  auto bad = SelectFleetHosts(*inventory, {"role=(web"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("selector \"role=(web\""), std::string::npos);
  EXPECT_EQ(SelectFleetHosts(*inventory, {"", {}, {"nope"}}).status().code(), StatusCode::kNotFound);
}

struct BadCase {
  std::string yaml;
  std::string expected;  // substring of the message, with file:line:column
};

TEST(FleetInventoryTest, BadInventoriesNameFileLineAndProblem) {
  const std::string head = "known_hosts: /k\ndefaults: {user: u, key: /key}\n";
  const std::vector<BadCase> cases = {
      {head + "hosts:\n  - name: a\n    adress: 1.2.3.4\n",
       "fleet.yaml:5:5: unknown key \"adress\" in host a (did you mean \"address\"?)"},
      {head + "hosts:\n  - name: a\n    port: 70000\n", "fleet.yaml:5:11: port: 70000 is out of range 1-65535"},
      {head + "hosts:\n  - name: a\n    port: ssh\n", "fleet.yaml:5:11: port: expected an integer, got \"ssh\""},
      {head + "hosts:\n  - name: a\n  - name: a\n", "fleet.yaml:5:11: duplicate host \"a\""},
      {head + "hosts:\n  - address: 1.2.3.4\n", "fleet.yaml:4:5: host without a name"},
      {head + "hosts:\n  - name: a\n    jump: b\n", "fleet.yaml:5:11: host a: jump host \"b\" is not in the inventory"},
      {head + "hosts:\n  - {name: a, jump: b}\n  - {name: b, jump: a}\n", "jump hosts form a loop"},
      {head + "hosts:\n  - name: a\n    password: hunter2\n",
       "fleet.yaml:5:15: password: must be a reference, \"env:NAME\" or \"secret:NAME\""},
      {head + "hosts:\n  - name: a\n    labels: [x]\n", "fleet.yaml:5:13: labels: expected a mapping"},
      {head + "hosts: []\n", "fleet.yaml:3:8: hosts: the list is empty"},
      {head + "hosts:\n  - name: a\n    agent: maybe\n", "agent: expected true or false"},
      {"hosts:\n  - {name: a, user: u, key: /k}\n", "fleet.yaml:2:5: host a: no known_hosts file and no host_key"},
      {"known_hosts: /k\nhosts:\n  - {name: a, key: /k}\n", "fleet.yaml:3:5: host a: no user"},
      {"known_hosts: /k\nhosts:\n  - {name: a, user: u}\n", "host a: no credentials"},
      {"known_hosts: /k\nhost_key_policy: yolo\nhosts: []\n",
       "fleet.yaml:2:18: host_key_policy: expected strict or accept-new"},
      {"hosts:\n  - name: [unclosed\n", "fleet.yaml:"},
      {"known_hosts: /k\ncolor: blue\nhosts: []\n", "fleet.yaml:2:1: unknown key \"color\" in inventory"},
      {"", "fleet.yaml: empty inventory"},
      {"- just\n- a list\n", "fleet.yaml:1:1: inventory: expected a mapping"},
      {"known_hosts: /k\nconnect_timeout: soon\nhosts: []\n", "fleet.yaml:2:18: connect_timeout:"},
  };
  for (const BadCase& c : cases) {
    auto inventory = Parse(c.yaml);
    ASSERT_FALSE(inventory.ok()) << c.yaml;
    EXPECT_EQ(inventory.status().code(), StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_NE(inventory.status().message().find(c.expected), std::string::npos)
        << "yaml:\n"
        << c.yaml << "\nmessage: " << inventory.status().message();
  }
  // The rejected password is not echoed.
  auto secret = Parse(head + "hosts:\n  - name: a\n    password: hunter2\n");
  EXPECT_EQ(secret.status().message().find("hunter2"), std::string::npos);
}

TEST(FleetInventoryTest, LoadingAMissingFileNamesIt) {
  auto inventory = LoadFleetInventory("/nonexistent/fleet.yaml");
  ASSERT_FALSE(inventory.ok());
  EXPECT_NE(inventory.status().message().find("/nonexistent/fleet.yaml"), std::string::npos);
}

TEST(FleetInventoryTest, BuildsSshOptionsWithJumpChainAndResolvedSecrets) {
  auto inventory = Parse(kInventory);
  ASSERT_TRUE(inventory.ok());
  const FleetHost& db = inventory->hosts[2];
  ::unsetenv("KELOLA_TEST_PASSPHRASE");
  auto missing = SshOptionsForHost(*inventory, db, nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("environment variable KELOLA_TEST_PASSPHRASE is not set"),
            std::string::npos);
  ::setenv("KELOLA_TEST_PASSPHRASE", "s3cret", 1);
  auto options = SshOptionsForHost(*inventory, db, nullptr);
  ::unsetenv("KELOLA_TEST_PASSPHRASE");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->host, "10.0.0.21");
  EXPECT_EQ(options->user, "postgres");
  EXPECT_EQ(options->credentials.private_key_passphrase, "s3cret");
  EXPECT_EQ(options->known_hosts_path, "/etc/kelola/keys/known_hosts");
  EXPECT_EQ(options->connect_timeout, std::chrono::seconds(3));
  ASSERT_NE(options->jump_host, nullptr);
  EXPECT_EQ(options->jump_host->host, "10.0.0.11");
  EXPECT_EQ(options->jump_host->port, 2222);
  EXPECT_EQ(options->jump_host->jump_host, nullptr);
}

TEST(FleetInventoryTest, BuildsFromHostResourcesWithSecretReferences) {
  std::vector<Resource> resources(3);
  resources[0].kind = "Host";
  resources[0].name = "web-1";
  resources[0].labels = {{"role", "web"}};
  resources[0].spec_json =
      R"({"address":"10.0.0.5","port":2200,"user":"ops","credentials":{"sshKeySecret":"fleet-key","passphraseSecret":"fleet-pass"}})";
  resources[1].kind = "Secret";  // ignored
  resources[1].name = "fleet-key";
  resources[2].kind = "Host";
  resources[2].name = "db-1";
  resources[2].spec_json =
      R"({"address":"10.0.0.6","credentials":{"sshKeySecret":"fleet-key"},"jumpHost":"web-1","hostKey":"ssh-ed25519 AAAA"})";
  auto inventory = FleetInventoryFromHosts(resources, "/var/lib/kelola/known_hosts");
  ASSERT_TRUE(inventory.ok()) << inventory.status().ToString();
  ASSERT_EQ(inventory->hosts.size(), 2u);
  EXPECT_EQ(inventory->hosts[1].user, "root");  // the Host kind's default
  std::vector<std::string> asked;
  SecretResolver resolver = [&](const std::string& name) -> Result<std::string> {
    asked.push_back(name);
    return "value-of-" + name;
  };
  auto options = SshOptionsForHost(*inventory, inventory->hosts[1], resolver);
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->credentials.private_key_data, "value-of-fleet-key");
  EXPECT_EQ(options->pinned_host_key, "ssh-ed25519 AAAA");
  ASSERT_NE(options->jump_host, nullptr);
  EXPECT_EQ(options->jump_host->port, 2200);
  EXPECT_EQ(options->jump_host->credentials.private_key_passphrase, "value-of-fleet-pass");
  auto no_resolver = SshOptionsForHost(*inventory, inventory->hosts[0], nullptr);
  EXPECT_EQ(no_resolver.status().code(), StatusCode::kFailedPrecondition);

  resources[0].spec_json = "{not json";
  auto malformed = FleetInventoryFromHosts(resources, "/k");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("Host/web-1: malformed spec"), std::string::npos);
}

TEST(FleetInventoryTest, FleetHostsNotBootedYetAreLeftOutNotAnError) {
  std::vector<Resource> resources(3);
  resources[0].kind = "Host";
  resources[0].name = "web-1";
  resources[0].labels = {{"kelola.io/group", "web"}};
  resources[0].spec_json = "{}";  // Requested: no server yet
  resources[1].kind = "Host";
  resources[1].name = "web-2";
  resources[1].labels = {{"kelola.io/group", "web"}};
  resources[1].spec_json = R"({"address":"10.0.0.7","credentials":{"sshKeySecret":"k"}})";
  resources[2].kind = "Host";
  resources[2].name = "hand-made";
  resources[2].spec_json = R"({"port":22})";
  auto inventory = FleetInventoryFromHosts(resources, "/k");
  ASSERT_FALSE(inventory.ok());  // a Host written by hand without an address is still an error
  EXPECT_EQ(inventory.status().message(), "Host/hand-made: spec.address is missing");
  resources.pop_back();
  inventory = FleetInventoryFromHosts(resources, "/k");
  ASSERT_TRUE(inventory.ok()) << inventory.status().ToString();
  ASSERT_EQ(inventory->hosts.size(), 1u);
  EXPECT_EQ(inventory->hosts[0].name, "web-2");
}

}  // namespace
}  // namespace kelola
