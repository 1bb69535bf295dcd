#include "runner/subprocess_step_executor.h"

#include <unistd.h>

#include <filesystem>

#include "proc/process_runner.h"
#include "runner/secret_masker.h"
#include "runner/step_scratch_dir.h"
#include "runner/step_script.h"

namespace kelola {

Result<StepOutcome> SubprocessStepExecutor::Run(const StepSpec& spec, const StepLineFn& on_line, StepCancel& cancel) {
  const SecretMasker masker(spec.secrets);
  KELOLA_RETURN_IF_ERROR(ValidateWorkingDir(spec.working_dir));
  if (spec.workspace.empty() || !std::filesystem::is_directory(spec.workspace)) {
    return NotFoundError("step " + spec.name + ": workspace " + spec.workspace + " is not a directory");
  }
  StepScratchDir scratch;
  const std::string scripts_dir = spec.scripts_dir.empty() ? scratch.path() : spec.scripts_dir;
  if (scripts_dir.empty()) return InternalError("step " + spec.name + ": cannot create a scripts directory");
  auto script = WriteStepScript(scripts_dir, spec.name, spec.commands);
  if (!script.ok()) return Status(script.status().code(), "step " + spec.name + ": " + script.status().message());
  struct RemoveScript {
    std::string path;
    ~RemoveScript() { ::unlink(path.c_str()); }
  } remove_script{*script};

  ProcessSpec ps;
  ps.argv = {"/bin/sh", *script};
  ps.env = {{"PATH", kDefaultPath}, {"HOME", spec.workspace}};
  for (const auto& [key, value] : spec.env) ps.env[key] = value;
  ps.cwd = spec.working_dir.empty() ? spec.workspace : spec.workspace + "/" + spec.working_dir;
  ps.timeout = spec.timeout;
  ps.max_captured_bytes = 0;  // streamed, not kept
  ps.on_stdout_line = [&](std::string_view line) {
    if (on_line) on_line(StepStream::kStdout, masker.Mask(line));
  };
  ps.on_stderr_line = [&](std::string_view line) {
    if (on_line) on_line(StepStream::kStderr, masker.Mask(line));
  };
  auto process = Process::Start(ps, clock_);
  if (!process.ok()) {
    return Status(process.status().code(), masker.Mask("step " + spec.name + ": " + process.status().message()));
  }
  Process* p = process->get();
  cancel.OnCancel([p] { p->Cancel(); });
  auto result = p->Wait();
  cancel.Clear();
  if (!result.ok()) {
    return Status(result.status().code(), masker.Mask("step " + spec.name + ": " + result.status().message()));
  }
  StepOutcome outcome;
  outcome.exit_code = result->exit_code;
  outcome.timed_out = result->timed_out;
  outcome.cancelled = result->cancelled;
  outcome.elapsed = result->elapsed;
  return outcome;
}

}  // namespace kelola
