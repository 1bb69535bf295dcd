// RunService: the pipeline runner as `kelola server` assembles it — a
// RunWorker with the real parts: GitCheckout, host steps as subprocesses,
// container steps and images on the local Docker engine (DockerBackend,
// connected on first use), commit statuses through the GitHub/GitLab
// clients, run logs and workspaces under DATA_DIR/runs/.
//   DATA_DIR/runs/logs/<run id>.log   RunLog (GET /v1/runs/{id}/logs)
//   DATA_DIR/runs/work/<run id>/      the checkout while the run executes
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "runworker/commit_reporter.h"
#include "runworker/run_worker.h"
#include "store/store.h"

namespace kelola {

struct RunServiceOptions {
  std::string data_dir;
  std::string external_url;  // links in commit statuses
  std::string replica;       // stable across restarts ("HOST:DATA_DIR")
  int max_concurrent = 2;
  Duration stale_after = std::chrono::seconds(60);
};

class RunService {
 public:
  RunService(Store& store, Clock& clock, SecretResolver secrets, RunServiceOptions options);
  ~RunService();
  Status Start();
  void Stop();
  static std::string LogsDir(const std::string& data_dir) { return data_dir + "/runs/logs"; }
  static std::string ArtifactsDir(const std::string& data_dir) { return data_dir + "/runs/artifacts"; }

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// "HOST:/abs/data/dir": names a server across its restarts.
std::string StableReplicaName(const std::string& data_dir);

}  // namespace kelola
