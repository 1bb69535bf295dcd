// SubprocessStepExecutor: runs a `host` step as a local /bin/sh process
// (src/proc's process runner) in the workspace.
//
// The step sees only a clean environment — PATH, HOME (the workspace) and
// the step's own `env` — never the server's (which holds its master key and
// tokens). Its process group is killed on timeout or cancellation, and every
// output line is masked before `on_line` gets it.
// Thread-safety: Run() may be called from several threads at once.
#pragma once

#include "runner/step_executor.h"

namespace kelola {

class SubprocessStepExecutor : public StepExecutor {
 public:
  explicit SubprocessStepExecutor(Clock& clock = SystemClock()) : clock_(clock) {}
  Result<StepOutcome> Run(const StepSpec& spec, const StepLineFn& on_line, StepCancel& cancel) override;

  static constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

 private:
  Clock& clock_;
};

}  // namespace kelola
