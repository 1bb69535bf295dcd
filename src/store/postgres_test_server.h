// Test-only: one private PostgreSQL server per test binary, started on first
// use (so listing tests starts nothing) and stopped by a GTest environment
// before the process exits. Each test gets a fresh database on it.
//
// Header-only on purpose: it is included only by *_test.cc files, so the
// store library itself never links the harness.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

#include "tests/harness/postgres_server.h"

namespace kelola {

class PostgresTestServer : public ::testing::Environment {
 public:
  // The shared server, or nullptr when PostgreSQL cannot run here
  // (SkipReason() says why). A server that is installed but fails to start
  // is reported as a failure by the first caller, not skipped.
  static harness::PostgresServer* Get() {
    std::lock_guard<std::mutex> lock(mu());
    if (!started()) {
      started() = true;
      auto server = harness::PostgresServer::Start();
      if (server.ok()) {
        server_ptr() = std::move(server).value();
      } else if (server.status().code() == StatusCode::kFailedPrecondition) {
        skip_reason() = server.status().message();
      } else {
        ADD_FAILURE() << "starting PostgreSQL: " << server.status().ToString();
        skip_reason() = "PostgreSQL failed to start: " + server.status().ToString();
      }
    }
    return server_ptr().get();
  }

  // A new empty database's URL, or "" (after Get() returned nullptr).
  static std::string NewDatabaseUrl() {
    harness::PostgresServer* server = Get();
    if (server == nullptr) return "";
    static std::atomic<int> next{0};
    auto url = server->CreateDatabase("kelola_test_" + std::to_string(++next));
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    return url.value_or("");
  }

  static std::string SkipReason() {
    std::lock_guard<std::mutex> lock(mu());
    return skip_reason();
  }

  void TearDown() override {
    std::lock_guard<std::mutex> lock(mu());
    server_ptr().reset();
  }

 private:
  static std::mutex& mu() {
    static std::mutex m;
    return m;
  }
  static bool& started() {
    static bool s = false;
    return s;
  }
  static std::unique_ptr<harness::PostgresServer>& server_ptr() {
    static std::unique_ptr<harness::PostgresServer> s;
    return s;
  }
  static std::string& skip_reason() {
    static std::string s;
    return s;
  }
};

}  // namespace kelola
