#include "runworker/step_condition.h"

#include <algorithm>

#include "pipeline/glob.h"

namespace kelola {
namespace {

std::string List(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

}  // namespace

std::string StepSkipReason(const StepCondition& when, const Run& run) {
  if (!when.event.empty() && std::find(when.event.begin(), when.event.end(), run.event) == when.event.end()) {
    return "when.event: " + run.event + " is not in " + List(when.event);
  }
  if (!when.branch.empty() && (run.branch.empty() || !AnyGlobMatches(when.branch, run.branch))) {
    return "when.branch: " + (run.branch.empty() ? std::string("(no branch)") : run.branch) + " does not match " +
           List(when.branch);
  }
  if (!when.tag.empty() && (run.tag.empty() || !AnyGlobMatches(when.tag, run.tag))) {
    return "when.tag: " + (run.tag.empty() ? std::string("(no tag)") : run.tag) + " does not match " + List(when.tag);
  }
  return "";
}

}  // namespace kelola
