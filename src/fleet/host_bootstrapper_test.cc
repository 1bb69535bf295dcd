// SshHostBootstrapper and the SSH command health check against real sshd
// (tests/harness): host keys learned or verified, a failing runbook step
// reported with its stderr, an unreachable host given up at the deadline.
#include "fleet/host_bootstrapper.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "fleet/health_check.h"
#include "tests/harness/free_port.h"
#include "tests/harness/sshd_fleet.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using namespace std::chrono_literals;

class HostBootstrapperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto fleet = harness::SshdFleet::Start(1);
    ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
    fleet_ = fleet->release();
  }
  static void TearDownTestSuite() {
    delete fleet_;
    fleet_ = nullptr;
  }

  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-bootstrap");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    auto key = harness::ReadFile(fleet_->client_key_path());
    ASSERT_TRUE(key.ok());
    SshHostBootstrapperOptions options;
    options.resolver = [key = *key](const std::string& name) -> Result<std::string> {
      if (name == "fleet-key") return key;
      return NotFoundError("secret " + name);
    };
    options.work_dir = dir_->File("fleet");
    options.max_concurrent = 2;
    options.retry_interval = 200ms;
    resolver_ = options.resolver;
    bootstrapper_ = std::make_unique<SshHostBootstrapper>(options);
  }

  Resource Host(const std::string& host_key, int port = 0) {
    const auto& h = fleet_->hosts()[0];
    Resource r;
    r.kind = "Host";
    r.name = "web-1";
    nlohmann::json spec = {{"address", h.address},
                           {"port", port != 0 ? port : h.port},
                           {"user", fleet_->user()},
                           {"credentials", {{"sshKeySecret", "fleet-key"}}}};
    if (!host_key.empty()) spec["hostKey"] = host_key;
    r.spec_json = spec.dump();
    return r;
  }

  // Polls the job until it finished (bounded: the request's deadline).
  BootstrapProgress Finish(const std::string& key) {
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    for (;;) {
      auto p = bootstrapper_->Poll(key);
      EXPECT_TRUE(p.has_value());
      if (!p) return {};
      if (p->phase == BootstrapProgress::Phase::kSucceeded || p->phase == BootstrapProgress::Phase::kFailed) return *p;
      if (std::chrono::steady_clock::now() > give_up) {
        ADD_FAILURE() << "still " << BootstrapPhaseName(p->phase) << ": " << p->detail;
        return *p;
      }
      std::this_thread::sleep_for(20ms);  // real sshd doing real work: poll
    }
  }

  BootstrapRequest Request(Resource host, std::string runbook, Duration timeout = 30s) {
    BootstrapRequest r;
    r.key = "Host/" + host.name;
    r.host = std::move(host);
    r.runbook_yaml = std::move(runbook);
    r.runbook_name = "ServerGroup/web spec.bootstrap.runbook";
    r.deadline = SystemClock().Monotonic() + timeout;
    return r;
  }

  static harness::SshdFleet* fleet_;
  std::unique_ptr<harness::TempDir> dir_;
  SecretResolver resolver_;
  std::unique_ptr<SshHostBootstrapper> bootstrapper_;
};

harness::SshdFleet* HostBootstrapperTest::fleet_ = nullptr;

TEST_F(HostBootstrapperTest, LearnsTheHostKeyAndAppliesTheRunbook) {
  // The login user is not root: give it a directory it may write.
  const std::string shared = dir_->File("shared");
  ASSERT_EQ(::mkdir(shared.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  ASSERT_EQ(::chmod(dir_->path().c_str(), 0755), 0);
  const std::string marker = shared + "/bootstrapped";
  ASSERT_TRUE(bootstrapper_
                  ->Start(Request(Host(""), "name: t\nsteps:\n  - name: mark\n    command: touch " + marker +
                                                "\n    creates: " + marker + "\n"))
                  .ok());
  BootstrapProgress p = Finish("Host/web-1");
  EXPECT_EQ(p.phase, BootstrapProgress::Phase::kSucceeded) << p.detail;
  EXPECT_NE(p.detail.find("1 steps, 1 changed"), std::string::npos) << p.detail;
  EXPECT_EQ(p.host_key, fleet_->hosts()[0].host_public_key);
  EXPECT_TRUE(harness::ReadFile(marker).ok());
  EXPECT_FALSE(harness::ReadFile(dir_->File("fleet/web-1.known_hosts")).ok()) << "the scratch file is removed";

  // Starting again while the job is known changes nothing; once forgotten
  // it runs again, now strictly against the recorded key, and is idempotent.
  bootstrapper_->Forget("Host/web-1");
  ASSERT_TRUE(bootstrapper_
                  ->Start(Request(Host(p.host_key), "name: t\nsteps:\n  - name: mark\n    command: touch " + marker +
                                                        "\n    creates: " + marker + "\n"))
                  .ok());
  p = Finish("Host/web-1");
  EXPECT_EQ(p.phase, BootstrapProgress::Phase::kSucceeded) << p.detail;
  EXPECT_NE(p.detail.find("1 steps, 0 changed"), std::string::npos) << p.detail;
  EXPECT_EQ(p.host_key, "") << "nothing learned when the key was given";
}

TEST_F(HostBootstrapperTest, AFailingStepIsReportedWithItsStderr) {
  ASSERT_TRUE(bootstrapper_
                  ->Start(Request(Host(fleet_->hosts()[0].host_public_key),
                                  "name: t\nsteps:\n  - name: install app\n    command: \"echo 'E: no such package "
                                  "appx' >&2; exit 100\"\n"))
                  .ok());
  BootstrapProgress p = Finish("Host/web-1");
  EXPECT_EQ(p.phase, BootstrapProgress::Phase::kFailed);
  EXPECT_EQ(p.detail.rfind("runbook step \"install app\"", 0), 0u) << p.detail;
  EXPECT_NE(p.detail.find("exit 100"), std::string::npos) << p.detail;
  EXPECT_NE(p.detail.find("E: no such package appx"), std::string::npos) << p.detail;
}

TEST_F(HostBootstrapperTest, AWrongPinnedKeyFailsAtOnce) {
  const std::string other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJEK1/NCD5O90mg4TEoiICdlNTOSMyEQIWTlQEdINdr4";
  const MonoTime start = SystemClock().Monotonic();
  ASSERT_TRUE(bootstrapper_->Start(Request(Host(other), "")).ok());
  BootstrapProgress p = Finish("Host/web-1");
  EXPECT_EQ(p.phase, BootstrapProgress::Phase::kFailed);
  EXPECT_NE(p.detail.find("HOST KEY HAS CHANGED"), std::string::npos) << p.detail;
  EXPECT_LT(SystemClock().Monotonic() - start, 20s) << "no retries until the deadline";
}

TEST_F(HostBootstrapperTest, AnUnreachableHostIsGivenUpAtTheDeadline) {
  auto closed = harness::FreePort();
  ASSERT_TRUE(closed.ok());
  ASSERT_TRUE(bootstrapper_->Start(Request(Host("", *closed), "", 2s)).ok());
  BootstrapProgress p = Finish("Host/web-1");
  EXPECT_EQ(p.phase, BootstrapProgress::Phase::kFailed);
  EXPECT_NE(p.detail.find("did not accept us before the bootstrap timeout"), std::string::npos) << p.detail;
  EXPECT_NE(p.detail.find("attempts; last: "), std::string::npos) << p.detail;
}

TEST_F(HostBootstrapperTest, CommandHealthCheckRunsOverSsh) {
  NetworkHealthCheckerOptions options;
  options.resolver = resolver_;
  NetworkHealthChecker checker(options);
  HealthCheckSpec spec;
  spec.kind = HealthCheckSpec::Kind::kCommand;
  spec.timeout = 10s;
  spec.command = "test -d /";
  const Resource host = Host(fleet_->hosts()[0].host_public_key);
  EXPECT_TRUE(checker.Check(spec, host).ok());
  spec.command = "echo 'app not answering' >&2; exit 1";
  Status s = checker.Check(spec, host);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "command `echo 'app not answering' >&2; exit 1` exit 1: app not answering");
}

TEST(HostKeyFromKnownHostsTest, TakesTheFirstPlainEntry) {
  EXPECT_EQ(HostKeyFromKnownHosts("# comment\n@revoked * ssh-rsa AAAAold\n[127.0.0.1]:2222 ssh-ed25519 AAAAkey c\n"),
            "ssh-ed25519 AAAAkey");
  EXPECT_EQ(HostKeyFromKnownHosts(""), "");
  EXPECT_EQ(HostKeyFromKnownHosts("host-only\n"), "");
}

}  // namespace
}  // namespace kelola
