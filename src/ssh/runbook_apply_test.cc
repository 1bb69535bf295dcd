// Runbooks applied over real sshd: every step kind changes the host once,
// and a second run finds everything as wanted (all ok, nothing changed).
#include <signal.h>

#include "ssh/runbook.h"
#include "ssh/ssh_test_support.h"
#include "tests/harness/free_port.h"

namespace kelola {
namespace {

using ssh_test::OptionsFor;

FleetHost HostFor(const harness::SshdFleet& fleet, size_t index) {
  FleetHost host;
  host.name = "h" + std::to_string(index);
  host.address = "127.0.0.1";
  host.port = fleet.hosts()[index].port;
  host.user = fleet.user();
  host.labels = {{"zone", "z" + std::to_string(index)}};
  return host;
}

std::vector<std::string> States(const HostRunResult& result) {
  std::vector<std::string> states;
  for (const auto& step : result.steps) states.push_back(step.state);
  return states;
}

std::string Describe(const HostRunResult& result) {
  std::string text = result.error + "\n";
  for (const auto& step : result.steps) text += step.state + "  " + step.name + ": " + step.message + "\n";
  return text;
}

// Stops the plain process a test started, whatever the test did.
struct PidfileKiller {
  std::string pidfile;
  ~PidfileKiller() {
    auto pid = harness::ReadFile(pidfile);
    if (pid.ok() && !pid->empty()) ::kill(std::stoi(*pid), SIGKILL);
  }
};

TEST(RunbookApplyTest, EveryStepKindChangesOnceThenTheSecondRunIsAllOk) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto local = harness::TempDir::Create("kelola-book");
  ASSERT_TRUE(local.ok());
  auto remote = ssh_test::RemoteScratch(fleet);
  auto port = harness::FreePort();
  ASSERT_TRUE(port.ok());
  const std::string www = remote->File("www");
  const std::string pidfile = remote->File("httpd.pid");
  PidfileKiller killer{pidfile};
  ASSERT_TRUE(harness::WriteFile((*local)->File("app.bin"), std::string(200000, 'a')).ok());
  ASSERT_TRUE(harness::WriteFile((*local)->File("index.tmpl"),
                                 "hello from {{ host.name }} in {{ host.labels.zone }}, "
                                 "release {{ release }}\n")
                  .ok());
  const std::string book_yaml =
      "name: web app\nvars: {release: \"42\"}\nsteps:\n"
      "  - command: mkdir -p " +
      www + "\n    creates: " + www +
      "\n"
      "  - command: touch " +
      remote->File("migrated") +
      "\n"
      "    unless: test -f " +
      remote->File("migrated") +
      "\n"
      "  - upload: {src: app.bin, dest: " +
      remote->File("app.bin") +
      ", mode: \"0750\"}\n"
      "  - template: {src: index.tmpl, dest: " +
      www +
      "/index.html}\n"
      "  - package: {name: [coreutils, bash]}\n"
      "  - package: {name: kelola-no-such-package, state: absent}\n"
      "  - service:\n      name: httpd\n      pidfile: " +
      pidfile +
      "\n"
      "      command: busybox httpd -f -p 127.0.0.1:" +
      std::to_string(*port) + " -h " + www +
      "\n"
      "  - wait_for: {port: " +
      std::to_string(*port) +
      ", timeout: 10s}\n"
      "  - wait_for: {url: \"http://127.0.0.1:" +
      std::to_string(*port) + "/index.html\", timeout: 10s}\n";
  ASSERT_TRUE(harness::WriteFile((*local)->File("book.yaml"), book_yaml).ok());
  auto book = LoadRunbook((*local)->File("book.yaml"));
  ASSERT_TRUE(book.ok()) << book.status().ToString();

  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const FleetHost host = HostFor(fleet, 0);
  HostRunResult first;
  ApplyRunbook(**session, host, *book, first);
  ASSERT_EQ(first.state, HostRunResult::State::kOk) << Describe(first);
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(States(first),
            (std::vector<std::string>{"changed", "changed", "changed", "changed", "ok", "ok", "changed", "ok", "ok"}))
      << Describe(first);
  EXPECT_EQ(*harness::ReadFile(www + "/index.html"), "hello from h0 in z0, release 42\n");
  EXPECT_EQ(harness::ReadFile(remote->File("app.bin"))->size(), 200000u);

  HostRunResult second;
  ApplyRunbook(**session, host, *book, second);
  ASSERT_EQ(second.state, HostRunResult::State::kOk) << Describe(second);
  EXPECT_FALSE(second.changed) << Describe(second);
  EXPECT_EQ(States(second), std::vector<std::string>(9, "ok")) << Describe(second);

  // A changed template variable is a change again; stopping is one too.
  Runbook changed = *book;
  changed.vars["release"] = "43";
  RunbookStep stop = changed.steps[6];
  stop.service_state = "stopped";
  changed.steps = {changed.steps[3], stop};
  HostRunResult third;
  ApplyRunbook(**session, host, changed, third);
  EXPECT_EQ(States(third), (std::vector<std::string>{"changed", "changed"})) << Describe(third);
  EXPECT_EQ(*harness::ReadFile(www + "/index.html"), "hello from h0 in z0, release 43\n");
  HostRunResult fourth;
  ApplyRunbook(**session, host, changed, fourth);
  EXPECT_EQ(States(fourth), (std::vector<std::string>{"ok", "ok"})) << Describe(fourth);
}

TEST(RunbookApplyTest, AFailedStepStopsTheHostAndIsReported) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto remote = ssh_test::RemoteScratch(fleet);
  auto port = harness::FreePort();  // nothing listens there
  ASSERT_TRUE(port.ok());
  const std::string yaml =
      "steps:\n"
      "  - command: \"true\"\n"
      "  - name: broken\n    command: echo half-way; echo oh no >&2; exit 3\n"
      "  - command: touch " +
      remote->File("never") + "\n";
  auto book = ParseRunbook(yaml, "fail.yaml", "");
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok());
  HostRunResult result;
  ApplyRunbook(**session, HostFor(fleet, 0), *book, result);
  EXPECT_EQ(result.state, HostRunResult::State::kFailed);
  EXPECT_EQ(States(result), (std::vector<std::string>{"changed", "failed", "skipped"}));
  EXPECT_EQ(result.error, "step \"broken\" (fail.yaml:3:5) failed: exit 3: oh no");
  EXPECT_EQ(result.error_kind, SshErrorKind::kNonZeroExit);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "half-way\n");
  EXPECT_FALSE(harness::ReadFile(remote->File("never")).ok());

  auto wait = ParseRunbook("steps:\n  - wait_for: {port: " + std::to_string(*port) + ", timeout: 1s}\n", "w.yaml", "");
  ASSERT_TRUE(wait.ok());
  HostRunResult timed_out;
  ApplyRunbook(**session, HostFor(fleet, 0), *wait, timed_out);
  EXPECT_EQ(timed_out.state, HostRunResult::State::kFailed);
  EXPECT_NE(timed_out.error.find("not ready after 1s"), std::string::npos) << timed_out.error;

  auto no_systemd = ParseRunbook("steps:\n  - service: {name: nginx}\n", "s.yaml", "");
  ASSERT_TRUE(no_systemd.ok());
  HostRunResult service;
  ApplyRunbook(**session, HostFor(fleet, 0), *no_systemd, service);
  EXPECT_EQ(service.state, HostRunResult::State::kFailed);
  EXPECT_NE(service.error.find("no systemd"), std::string::npos) << service.error;

  // An unknown package fails clearly, before apt-get is run (as root).
  auto unknown = ParseRunbook("steps:\n  - package: {name: [coreutils, kelola-no-such-package]}\n", "p.yaml", "");
  ASSERT_TRUE(unknown.ok());
  HostRunResult package;
  ApplyRunbook(**session, HostFor(fleet, 0), *unknown, package);
  EXPECT_EQ(package.state, HostRunResult::State::kFailed);
  // Only the unknown one is named (coreutils is installed).
  EXPECT_NE(package.error.find("failed: unknown package kelola-no-such-package: apt on the host has no such package"),
            std::string::npos)
      << package.error;
}

TEST(RunbookApplyTest, RunsOnAFleetAndIsIdempotentAcrossHosts) {
  KELOLA_SSH_FLEET(fleet, 3);
  auto remote = ssh_test::RemoteScratch(fleet);
  const std::string yaml =
      "steps:\n"
      "  - command: mkdir -p " +
      remote->File("conf") + "\n    creates: " + remote->File("conf") +
      "\n"
      "  - template: {src: /dev/null, dest: " +
      remote->File("conf/empty") + ", mode: \"0600\"}\n";
  auto book = ParseRunbook(yaml, "fleet-book.yaml", "");
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  std::string inventory_yaml = "known_hosts: " + fleet.known_hosts_path() + "\ndefaults: {user: " + fleet.user() +
                               ", key: " + fleet.client_key_path() + "}\nhosts:\n";
  for (size_t i = 0; i < 3; ++i) {
    inventory_yaml += "  - {name: h" + std::to_string(i) +
                      ", address: 127.0.0.1, port: " + std::to_string(fleet.hosts()[i].port) + "}\n";
  }
  auto inventory = ParseFleetInventory(inventory_yaml, "inv.yaml");
  ASSERT_TRUE(inventory.ok()) << inventory.status().ToString();
  auto hosts = SelectFleetHosts(*inventory, {});
  ASSERT_TRUE(hosts.ok());
  FleetRunOptions options;
  options.rollout.serial_hosts = 1;  // the hosts share one filesystem here
  auto action = RunbookAction(std::make_shared<Runbook>(*book));
  auto first = RunOnFleet(*inventory, *hosts, action, options);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->ok, 3);
  EXPECT_EQ(first->changed, 1);  // the first host did the work for all
  auto second = RunOnFleet(*inventory, *hosts, action, options);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->ok, 3);
  EXPECT_EQ(second->changed, 0);
  for (const auto& host : second->hosts) EXPECT_EQ(States(host), (std::vector<std::string>{"ok", "ok"}));
}

}  // namespace
}  // namespace kelola
