// FleetRunner against 20 real sshd (tests/harness SshdFleet): fan-out,
// rolling batches that stop at max_fail_percentage, the concurrency bound,
// per-host error kinds, idempotent copies, scripts and jump hosts.
#include "ssh/fleet_runner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "ssh/fleet_report.h"
#include "ssh/ssh_test_support.h"
#include "tests/harness/free_port.h"

namespace kelola {
namespace {

using HostExtra = std::function<std::string(size_t index)>;

// An inventory of the fleet's hosts h00, h01, ... with labels index and
// parity; `extra` adds YAML lines (4-space indented keys) to a host.
FleetInventory MakeInventory(const harness::SshdFleet& fleet, const HostExtra& extra = nullptr) {
  std::string yaml = "known_hosts: " + fleet.known_hosts_path() +
                     "\nconnect_timeout: 5s\ndefaults:\n  user: " + fleet.user() +
                     "\n  key: " + fleet.client_key_path() + "\nhosts:\n";
  for (size_t i = 0; i < fleet.hosts().size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "h%02zu", i);
    std::string own = extra ? extra(i) : "";
    yaml += std::string("  - name: ") + name + "\n    address: 127.0.0.1\n";
    if (own.find("    port:") == std::string::npos) yaml += "    port: " + std::to_string(fleet.hosts()[i].port) + "\n";
    yaml += "    labels: {index: \"" + std::to_string(i) + "\", parity: " + (i % 2 ? "odd" : "even") + "}\n" + own;
  }
  auto inventory = ParseFleetInventory(yaml, "test-inventory.yaml");
  EXPECT_TRUE(inventory.ok()) << inventory.status().ToString() << "\n" << yaml;
  return inventory.ok() ? *inventory : FleetInventory{};
}

std::vector<const FleetHost*> All(const FleetInventory& inventory) {
  auto hosts = SelectFleetHosts(inventory, {});
  EXPECT_TRUE(hosts.ok());
  return hosts.ok() ? *hosts : std::vector<const FleetHost*>{};
}

// A command that exits 1 on the hosts listed (by port) and prints the port.
std::string FailOnPorts(const std::vector<int>& ports) {
  std::string list = " ";
  for (int port : ports) list += std::to_string(port) + " ";
  return "port=$(echo $SSH_CONNECTION | cut -d' ' -f4); echo $port; case '" + list +
         "' in *\" $port \"*) exit 1;; esac";
}

// The two engines of a command run: the thread pool and the event loops.
enum class Engine { kPool, kLoop };
const Engine kEngines[] = {Engine::kPool, Engine::kLoop};
const char* EngineName(Engine engine) { return engine == Engine::kPool ? "thread pool" : "event loop"; }

Result<FleetRunReport> RunCommand(Engine engine, const FleetInventory& inventory, FleetCommand command,
                                  const FleetRunOptions& options) {
  if (engine == Engine::kPool) return RunOnFleet(inventory, All(inventory), CommandAction(command), options);
  return RunCommandOnFleet(inventory, All(inventory), command, options);
}

TEST(FleetRunnerTest, RunsACommandOnTwentyHosts) {
  KELOLA_SSH_FLEET(fleet, 20);
  FleetInventory inventory = MakeInventory(fleet);
  for (Engine engine : kEngines) {
    SCOPED_TRACE(EngineName(engine));
    std::vector<std::string> progress_lines;
    FleetRunOptions options;
    options.on_progress = [&](const FleetProgress& p) { progress_lines.push_back(FormatFleetProgress(p)); };
    auto report = RunCommand(engine, inventory, {"echo $SSH_CONNECTION | cut -d' ' -f4"}, options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->ok, 20);
    EXPECT_EQ(report->failed, 0);
    EXPECT_TRUE(report->all_ok());
    for (size_t i = 0; i < 20; ++i) {
      const HostRunResult& host = report->hosts[i];
      EXPECT_EQ(host.state, HostRunResult::State::kOk) << host.host << ": " << host.error;
      EXPECT_EQ(host.exit_code, 0);
      EXPECT_EQ(host.out, std::to_string(fleet.hosts()[i].port) + "\n");  // each host answered itself
      EXPECT_EQ(host.batch, 1);
    }
    EXPECT_EQ(progress_lines.back(), "[20/20] ok 20  failed 0  running 0");
    auto json = nlohmann::json::parse(RenderFleetJson(*report));
    EXPECT_EQ(json["summary"]["ok"], 20);
    const std::string table = RenderFleetTable(*report);
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 22);  // header, 20 hosts, summary
  }
}

TEST(FleetRunnerTest, RollingRunStopsAtMaxFailPercentage) {
  KELOLA_SSH_FLEET(fleet, 20);
  for (Engine engine : kEngines) {
    SCOPED_TRACE(EngineName(engine));
    auto marks = ssh_test::RemoteScratch(fleet);
    // Hosts 5, 6 and 7 (batch 2 of 5-host batches) point at ports where
    // nothing listens.
    FleetInventory inventory = MakeInventory(fleet, [](size_t i) -> std::string {
      if (i < 5 || i > 7) return "";
      auto port = harness::FreePort();
      return "    port: " + std::to_string(port.ok() ? *port : 1) + "\n";
    });
    FleetRunOptions options;
    ASSERT_TRUE(ParseSerial("5", &options.rollout).ok());
    options.rollout.max_fail_percentage = 20;
    const std::string command = "touch " + marks->path() + "/ran-$(echo $SSH_CONNECTION | cut -d' ' -f4)";
    auto report = RunCommand(engine, inventory, {command}, options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->aborted);
    EXPECT_EQ(report->batches, 4);
    EXPECT_EQ(report->ok, 7);
    EXPECT_EQ(report->failed, 3);
    EXPECT_EQ(report->skipped, 10);
    EXPECT_NE(
        report->abort_reason.find("after batch 2 of 4: 3 of 5 hosts failed (60%), more than max_fail_percentage 20%"),
        std::string::npos)
        << report->abort_reason;
    for (size_t i = 0; i < 20; ++i) {
      const HostRunResult& host = report->hosts[i];
      const bool ran = ::access((marks->path() + "/ran-" + std::to_string(fleet.hosts()[i].port)).c_str(), F_OK) == 0;
      if (i < 5 || i == 8 || i == 9) {
        EXPECT_EQ(host.state, HostRunResult::State::kOk) << host.host << ": " << host.error;
        EXPECT_TRUE(ran) << host.host;
      } else if (i <= 7) {
        EXPECT_EQ(host.state, HostRunResult::State::kFailed) << host.host;
        EXPECT_EQ(host.error_kind, SshErrorKind::kUnreachable) << host.error;
      } else {
        EXPECT_EQ(host.state, HostRunResult::State::kSkipped) << host.host;
        EXPECT_FALSE(ran) << host.host << " ran although the run had stopped";
        EXPECT_EQ(host.error.rfind("not run: the run stopped after batch 2", 0), 0u) << host.error;
        EXPECT_EQ(host.batch, i < 15 ? 3 : 4);
      }
    }
  }
}

TEST(FleetRunnerTest, FailuresWithinTheThresholdDoNotStopTheRun) {
  KELOLA_SSH_FLEET(fleet, 20);
  FleetInventory inventory = MakeInventory(fleet);
  // Two failures in every batch of five: 40%.
  std::vector<int> failing;
  for (size_t i = 0; i < 20; ++i) {
    if (i % 5 < 2) failing.push_back(fleet.hosts()[i].port);
  }
  FleetRunOptions options;
  ASSERT_TRUE(ParseSerial("25%", &options.rollout).ok());
  options.rollout.max_fail_percentage = 40;
  auto report = RunOnFleet(inventory, All(inventory), CommandAction({FailOnPorts(failing)}), options);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->aborted);
  EXPECT_EQ(report->failed, 8);
  EXPECT_EQ(report->ok, 12);
  for (const HostRunResult& host : report->hosts) {
    if (host.state == HostRunResult::State::kFailed) {
      EXPECT_EQ(host.error_kind, SshErrorKind::kNonZeroExit);
      EXPECT_EQ(host.exit_code, 1);
    }
  }
  options.rollout.max_fail_percentage = 30;
  auto stopped = RunOnFleet(inventory, All(inventory), CommandAction({FailOnPorts(failing)}), options);
  ASSERT_TRUE(stopped.ok());
  EXPECT_TRUE(stopped->aborted);
  EXPECT_EQ(stopped->ok + stopped->failed, 5);
  EXPECT_EQ(stopped->skipped, 15);
}

TEST(FleetRunnerTest, NeverRunsMoreSessionsThanMaxParallel) {
  KELOLA_SSH_FLEET(fleet, 20);
  FleetInventory inventory = MakeInventory(fleet);
  int most_running = 0;
  FleetRunOptions options;
  options.max_parallel = 4;
  options.on_progress = [&](const FleetProgress& p) { most_running = std::max(most_running, p.running); };
  auto report = RunOnFleet(inventory, All(inventory), CommandAction({"sleep 0.2"}), options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->ok, 20);
  EXPECT_LE(most_running, 4);
  EXPECT_GE(most_running, 2);
  options.max_parallel = 0;
  EXPECT_EQ(RunOnFleet(inventory, All(inventory), CommandAction({"true"}), options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(FleetRunnerTest, ReportsTheErrorKindOfEachHost) {
  KELOLA_SSH_FLEET(fleet, 6);
  auto keys = harness::TempDir::Create();
  ASSERT_TRUE(keys.ok());
  const std::string stranger = ssh_test::MakeKey(**keys, "stranger", "ed25519");
  const std::string other_host_key = fleet.hosts()[0].host_public_key;
  FleetInventory inventory = MakeInventory(fleet, [&](size_t i) -> std::string {
    switch (i) {
      case 1: {
        auto port = harness::FreePort();
        return "    port: " + std::to_string(port.ok() ? *port : 1) + "\n";
      }
      case 2: return "    host_key: \"" + other_host_key + "\"\n";
      case 3: return "    key: " + stranger + "\n";
      default: return "";
    }
  });
  const std::string slow = std::to_string(fleet.hosts()[4].port);
  const std::string failing = std::to_string(fleet.hosts()[5].port);
  FleetCommand command;
  command.command = "port=$(echo $SSH_CONNECTION | cut -d' ' -f4); if [ $port = " + slow + " ]; then sleep 10; fi; " +
                    "if [ $port = " + failing + " ]; then echo bad >&2; exit 7; fi; echo fine";
  command.timeout = std::chrono::milliseconds(700);
  for (Engine engine : kEngines) {
    SCOPED_TRACE(EngineName(engine));
    auto report = RunCommand(engine, inventory, command, {});
    ASSERT_TRUE(report.ok());
    const std::vector<SshErrorKind> expected = {SshErrorKind::kNone,    SshErrorKind::kUnreachable,
                                                SshErrorKind::kHostKey, SshErrorKind::kAuth,
                                                SshErrorKind::kTimeout, SshErrorKind::kNonZeroExit};
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(report->hosts[i].error_kind, expected[i])
          << report->hosts[i].host << ": " << SshErrorKindName(report->hosts[i].error_kind) << " "
          << report->hosts[i].error;
    }
    EXPECT_EQ(report->hosts[5].exit_code, 7);
    EXPECT_EQ(report->hosts[5].err, "bad\n");
    EXPECT_NE(report->hosts[2].error.find("HOST KEY HAS CHANGED"), std::string::npos);
    auto json = nlohmann::json::parse(RenderFleetJson(*report));
    EXPECT_EQ(json["hosts"][1]["errorKind"], "unreachable");
    EXPECT_EQ(json["hosts"][2]["errorKind"], "host-key");
    EXPECT_EQ(json["hosts"][3]["errorKind"], "auth");
    EXPECT_EQ(json["hosts"][4]["errorKind"], "timeout");
    EXPECT_EQ(json["hosts"][5]["errorKind"], "non-zero-exit");
  }
}

TEST(FleetRunnerTest, CopyChangesOnlyHostsWhoseFileDiffers) {
  KELOLA_SSH_FLEET(fleet, 3);
  auto local = harness::TempDir::Create();
  ASSERT_TRUE(local.ok());
  auto remote = ssh_test::RemoteScratch(fleet);
  ASSERT_TRUE(harness::WriteFile((*local)->File("motd"), "welcome to the fleet\n").ok());
  FleetInventory inventory = MakeInventory(fleet);
  FleetCopy copy;
  copy.local_path = (*local)->File("motd");
  copy.upload.remote_path = remote->File("motd");
  copy.upload.mode = 0644;
  auto action = CopyAction(copy);
  ASSERT_TRUE(action.ok()) << action.status().ToString();
  FleetRunOptions options;
  options.rollout.serial_hosts = 1;  // the hosts share one filesystem here
  auto first = RunOnFleet(inventory, All(inventory), *action, options);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->ok, 3);
  EXPECT_TRUE(first->hosts[0].changed) << first->hosts[0].error;
  EXPECT_FALSE(first->hosts[1].changed);  // the first host already wrote the same file
  EXPECT_EQ(*harness::ReadFile(remote->File("motd")), "welcome to the fleet\n");
  auto second = RunOnFleet(inventory, All(inventory), *action, options);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->ok, 3);
  EXPECT_EQ(second->changed, 0);

  copy.local_path = (*local)->File("missing");
  auto missing = CopyAction(copy);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find((*local)->File("missing")), std::string::npos);
}

TEST(FleetRunnerTest, ScriptsAndJumpHostsFromTheInventory) {
  KELOLA_SSH_FLEET(fleet, 3);
  // h02 is reached through h00.
  FleetInventory inventory =
      MakeInventory(fleet, [](size_t i) -> std::string { return i == 2 ? "    jump: h00\n" : ""; });
  FleetScript script;
  script.script = "set -e\nx=$(echo $SSH_CONNECTION | cut -d' ' -f4)\necho \"port $x\"\nexit 0\n";
  auto report = RunOnFleet(inventory, All(inventory), ScriptAction(script), {});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->ok, 3) << RenderFleetTable(*report);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(report->hosts[i].out, "port " + std::to_string(fleet.hosts()[i].port) + "\n");
}

}  // namespace
}  // namespace kelola
