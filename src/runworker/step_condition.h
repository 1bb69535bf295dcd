// StepConditionHolds: does a step's `when` hold for a run? Every given
// condition must hold: branch and tag are globs against the run's branch or
// tag, event is the run's event; a `path` condition holds when the run does
// not know which files changed (the runner never skips a change silently;
// the Pipeline's own `paths` filter already ran at queue time). Pure.
#pragma once

#include <string>

#include "pipeline/pipeline_file.h"
#include "pipeline/run.h"

namespace kelola {

// "" when the step runs, else why it is skipped ("when.branch: main does not match [release/*]").
std::string StepSkipReason(const StepCondition& when, const Run& run);

}  // namespace kelola
