// StepScript: turns a step's commands into the script file its shell runs.
//
// The script is "set -e" followed by each command on its own line(s),
// exactly as the pipeline file wrote them: the commands are the pipeline
// author's program, and no other value (branch names, commit messages,
// secrets) is ever spliced into it — those reach the step as environment
// variables. The file goes to `dir` (created if needed), named after the
// step with anything but [A-Za-z0-9._-] replaced, plus a unique suffix.
//
// Also: ValidateWorkingDir() refuses a working directory that is absolute
// or climbs out of the workspace ("..").
// Errors: InvalidArgument for no commands, a command holding a NUL byte or a
// bad working dir; Internal when the file cannot be written.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kelola {

// The script text (pure).
Result<std::string> StepScriptText(const std::vector<std::string>& commands);
// Writes the script into `dir`; returns its path.
Result<std::string> WriteStepScript(const std::string& dir, const std::string& step_name,
                                    const std::vector<std::string>& commands);
Status ValidateWorkingDir(const std::string& working_dir);

}  // namespace kelola
