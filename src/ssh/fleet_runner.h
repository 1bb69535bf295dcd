// FleetRunner: runs one action — a command, a script, a file copy or a
// runbook — on every selected host, in rolling batches, with a bound on
// concurrent sessions, and reports per host (the project's pssh/Ansible
// ad-hoc).
//
// Concurrency, two engines:
//   RunCommandOnFleet — one command on every host — drives non-blocking
//   libssh sessions from a few event-loop threads (exec_loop.h): 1,000
//   hosts in flight are 1,000 sockets and small state machines, not 1,000
//   threads.
//   RunOnFleet — any action (scripts, copies, runbooks: several blocking
//   steps over one session) — works each batch with min(max_parallel, batch
//   size) threads; a thread connects to one host, runs the action over that
//   session (many channels), disconnects and takes the next host. The
//   default of 64 keeps 1,000 hosts at 64 threads, in ~16 waves.
//
// Failure policy: rollout_plan.h. A host failed when it could not be
// reached, authenticated or verified, or its action failed (non-zero exit,
// timeout, transfer error). Skipped hosts were never started because the
// run stopped.
//
// Thread-safety: RunOnFleet may be called from any thread; callbacks run on
// worker threads, one at a time. Errors: InvalidArgument for bad options;
// everything that happens on a host is in its HostRunResult.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ssh/fleet_inventory.h"
#include "ssh/rollout_plan.h"
#include "ssh/ssh_error.h"
#include "ssh/ssh_session.h"

namespace kelola {

// One step of a runbook on one host.
struct StepReport {
  std::string name;
  std::string state;    // "ok" | "changed" | "failed" | "skipped"
  std::string message;  // why it changed or failed
  Duration duration{};
};

struct HostRunResult {
  enum class State { kOk, kFailed, kSkipped };
  std::string host;    // inventory name
  std::string target;  // "user@address:port"
  State state = State::kSkipped;
  SshErrorKind error_kind = SshErrorKind::kNone;
  std::string error;  // what failed, or why the host was skipped
  int exit_code = -1;
  std::string out;
  std::string err;
  bool changed = false;  // the action modified the host
  Duration duration{};
  int batch = 0;  // 1-based
  std::vector<StepReport> steps;
};

std::string_view HostRunStateName(HostRunResult::State state);  // "ok", "failed", "skipped"

struct FleetRunReport {
  std::vector<HostRunResult> hosts;  // in selection order
  int ok = 0;
  int failed = 0;
  int skipped = 0;
  int changed = 0;
  int batches = 0;
  bool aborted = false;
  std::string abort_reason;
  Duration duration{};
  bool all_ok() const { return failed == 0 && skipped == 0; }
};

struct FleetProgress {
  int total = 0;
  int done = 0;
  int ok = 0;
  int failed = 0;
  int skipped = 0;
  int running = 0;
  int batch = 0;  // 1-based, current
  int batches = 0;
};

// What to do on a host once connected. It fills the outcome fields of the
// result (state, exit_code, out, err, error_kind, error, changed, steps);
// the runner fills host, target, batch and duration.
using HostAction = std::function<void(SshSession& session, const FleetHost& host, HostRunResult& result)>;

struct FleetRunOptions {
  RolloutPolicy rollout;
  int max_parallel = 64;     // RunOnFleet: sessions (and threads) at once, 1..1024
  int max_in_flight = 1000;  // RunCommandOnFleet: sessions at once on the event loops
  SecretResolver resolver;
  Clock* clock = nullptr;  // SystemClock() when null
  // Both are called under the run's lock (never concurrently); when a host
  // finishes, on_progress (with it counted) comes before on_host_done.
  std::function<void(const FleetProgress&)> on_progress;
  std::function<void(const HostRunResult&)> on_host_done;
};

Result<FleetRunReport> RunOnFleet(const FleetInventory& inventory, const std::vector<const FleetHost*>& hosts,
                                  const HostAction& action, const FleetRunOptions& options);

// A shell command line on every host (the user wrote it; it is not built
// from data). Non-zero exit or timeout fails the host.
struct FleetCommand {
  std::string command;
  bool sudo = false;
  Duration timeout{0};
  size_t max_output_bytes = 256u << 10;  // kept per stream per host
};
HostAction CommandAction(FleetCommand command);

// RunOnFleet(CommandAction(command)), but on ExecLoop (exec_loop.h): up to
// max_in_flight non-blocking sessions on a few event-loop threads instead of
// one thread per session. Hosts behind a jump host or using ssh-agent go
// through the thread pool (max_parallel). The fast path for `kelola exec`.
Result<FleetRunReport> RunCommandOnFleet(const FleetInventory& inventory, const std::vector<const FleetHost*>& hosts,
                                         const FleetCommand& command, const FleetRunOptions& options);

// A script sent on stdin to `interpreter -s` (no temporary file on the host).
struct FleetScript {
  std::string script;
  std::string interpreter = "/bin/sh";
  bool sudo = false;
  Duration timeout{0};
  size_t max_output_bytes = 256u << 10;
};
HostAction ScriptAction(FleetScript script);

// A local file copied to every host; a host whose file already has the same
// content, mode and owner is left alone (ok, not changed). The local file
// is hashed once here: NotFound when it cannot be read.
struct FleetCopy {
  std::string local_path;
  UploadOptions upload;
};
Result<HostAction> CopyAction(FleetCopy copy);

}  // namespace kelola
