// HaClusterTest: a gtest fixture with `kelola server` replicas on one real
// PostgreSQL (tests/harness), short controller leases, and the helpers the
// HA failover tests share: API calls through a chosen replica, who holds a
// lease (GET /v1/leaders, mapped to a replica by the holder's pid), signed
// GitHub deliveries, kill -9, and wait-for-condition loops.
//
// Real time is used on purpose: it waits for real processes, never with a
// fixed sleep where a condition can be polled.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "tests/harness/child_process.h"
#include "tests/harness/http_call.h"
#include "tests/harness/postgres_server.h"
#include "tests/harness/temp_dir.h"

namespace kelola {

inline constexpr const char* kInboxLease = "controller/pipeline-inbox";
inline constexpr const char* kDeliveriesLease = "controller/github-deliveries";
inline constexpr const char* kHookSecret = "It's a Secret to Everybody";
// Short leases: a dead leader is replaced within kLease + kRetry.
inline constexpr std::chrono::milliseconds kLease{3000};
inline constexpr std::chrono::milliseconds kRenew{2000};
inline constexpr std::chrono::milliseconds kRetry{250};

// Polls `done` every 50 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, Duration timeout);

class HaClusterTest : public ::testing::Test {
 protected:
  struct Replica {
    int port = 0;
    std::string url;
    std::string log;
    std::unique_ptr<harness::ChildProcess> process;
    bool alive = false;
  };

  void SetUp() override;
  void TearDown() override;

  // Starts replicas 0..count-1 (replica 0 makes the admin token).
  void StartReplicas(int count);
  // (Re)starts replica `index` on its own port and data directory.
  void StartReplica(size_t index);
  void Kill(size_t replica);

  harness::HttpReply Call(size_t replica, const std::string& method, const std::string& path,
                          const std::string& body = "");
  // The n-th live replica other than `except`, round robin.
  size_t Survivor(size_t n, size_t except = SIZE_MAX) const;
  // The replica holding `lease` now (and its token), or -1.
  int Holder(size_t via, const std::string& lease, int64_t* token = nullptr);

  void PutWebhookSecretAndPipeline(const std::string& extra_spec = "");
  long Deliver(size_t replica, const std::string& body, const std::string& delivery);
  // deliveryId -> number of runs, read through `via`.
  std::map<std::string, int> RunsByDelivery(size_t via);

  // Whether one line of the replica's log contains every one of `parts`.
  bool LogHasLine(size_t replica, const std::vector<std::string>& parts) const;
  std::string Logs() const;  // the tail of every replica's log, for failures

  std::unique_ptr<harness::PostgresServer> pg_;
  std::string store_url_;
  std::unique_ptr<harness::TempDir> dir_;
  std::vector<Replica> replicas_;
  std::string token_;  // the cluster's admin token
};

}  // namespace kelola
