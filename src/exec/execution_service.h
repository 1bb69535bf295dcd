// ExecutionService: runs a command, a script, a file copy or a runbook on the
// hosts kelola knows (the `Host` resources), in the background, and records
// the run as an `Execution` resource whose status holds the per-host results.
//
// Events (subject "Execution/<id>"): execution.started, execution.host (one
// per finished host: state, exit code, error kind, duration, output tails,
// and `progress`: the run's done/ok/failed/running counts at that moment),
// execution.finished. Secret values never appear in them: keys and
// passphrases are resolved inside the runner and only referenced by name.
//
// Thread-safety: Start() may be called from any thread; each run has its
// own thread, at most `max_concurrent` run at once (others wait their turn).
// Shutdown() stops taking new runs and waits for the running ones.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ssh/fleet_inventory.h"
#include "store/store.h"

namespace kelola {

struct ExecutionRequest {
  // Which hosts: a label selector and/or names; both empty = every host.
  std::string selector;
  std::vector<std::string> names;
  // What: exactly one of these.
  std::string command;
  std::string script;
  std::string runbook_yaml;
  std::string copy_content;  // with copy_dest: the bytes, or
  std::string copy_file;     // a local file holding them (a stored upload,
  std::string copy_sha256;   // file_handlers.h), with its checksum and size
  uint64_t copy_bytes = 0;
  std::string copy_dest;
  unsigned copy_mode = 0644;
  // How.
  bool sudo = false;
  int64_t timeout_seconds = 0;  // per host; 0 = none
  std::string serial;           // "5" or "20%"; "" = all at once
  double max_fail_percentage = 100;
  int max_parallel = 64;
};

// Checks that exactly one action is given and the rollout settings parse.
Status ValidateExecutionRequest(const ExecutionRequest& request);

struct ExecutionServiceOptions {
  std::string work_dir;          // scratch files for copies (DATA_DIR/executions)
  std::string known_hosts_path;  // DATA_DIR/known_hosts
  HostKeyPolicy host_key_policy = HostKeyPolicy::kStrict;
  int max_concurrent = 4;
};

class ExecutionService {
 public:
  ExecutionService(Store& store, Clock& clock, SecretResolver resolver, ExecutionServiceOptions options);
  ~ExecutionService();  // Shutdown()

  // Validates, stores the Execution (phase Pending) and schedules the run.
  // Returns the execution's name ("ex-...").
  Result<std::string> Start(const ExecutionRequest& request, const std::string& actor);
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
