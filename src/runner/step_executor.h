// StepExecutor: runs one pipeline step — a list of shell commands — and
// streams its output. Two implementations: ContainerStepExecutor
// (src/integrations/docker: a container through the Docker Engine API) and
// SubprocessStepExecutor (a local process, for `host` steps).
//
// The commands become a script file (StepScript) that /bin/sh runs with
// `set -e`: they are never spliced into a command line or another string.
// Every output line passes through a SecretMasker before it reaches
// `on_line`, so a secret value never leaves the executor.
//
// Run() returns once what it started is gone (container removed, process
// reaped). A step that ran and failed, timed out or was cancelled is an OK
// Result whose StepOutcome says so; a non-OK Status means the step could not
// be run at all (image missing, engine unreachable, bad spec) — with secret
// values masked in its message too.
// Thread-safety: one executor may run several steps concurrently; on_line
// is called from the thread in Run().
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "runner/step_cancel.h"

namespace kelola {

struct StepSpec {
  std::string run_id;  // labels the container (kelola.run) for cleanup
  std::string name;    // the step's name; labels the container (kelola.step)
  // The container image; empty for a host step.
  std::string image;
  std::vector<std::string> commands;
  std::map<std::string, std::string> env;  // secrets resolved into env by the runner
  // Values masked in every output line and error message.
  std::vector<std::string> secrets;
  // Host directory holding the checkout; a container sees it at
  // kContainerWorkspace and starts in it (plus `working_dir`).
  std::string workspace;
  std::string working_dir;  // relative to the workspace; "" = its root
  // Host directory for the step's script (not inside the workspace, so the
  // checkout and a later build context stay clean). "" = a private temp dir.
  std::string scripts_dir;
  std::chrono::milliseconds timeout{0};       // 0 = none
  std::map<std::string, std::string> labels;  // extra container labels
};

enum class StepStream { kStdout, kStderr };

struct StepOutcome {
  int exit_code = -1;  // -1 when killed before it exited
  bool timed_out = false;
  bool cancelled = false;
  Duration elapsed{0};

  bool ok() const { return exit_code == 0 && !timed_out && !cancelled; }
  // "exited with code 3", "timed out after 5s and was killed", "cancelled".
  std::string Describe() const;
};

using StepLineFn = std::function<void(StepStream stream, std::string_view line)>;

class StepExecutor {
 public:
  virtual ~StepExecutor() = default;
  virtual Result<StepOutcome> Run(const StepSpec& spec, const StepLineFn& on_line, StepCancel& cancel) = 0;
};

// Where a container step sees the workspace and its script.
inline constexpr const char* kContainerWorkspace = "/workspace";
inline constexpr const char* kContainerScriptsDir = "/kelola-steps";

}  // namespace kelola
