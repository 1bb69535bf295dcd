#include "runner/step_executor.h"

namespace kelola {

std::string StepOutcome::Describe() const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  const std::string after = " after " + std::to_string(ms) + " ms";
  if (cancelled) return "cancelled" + after;
  if (timed_out) return "timed out" + after + " and was killed";
  if (exit_code < 0) return "was killed" + after;
  return "exited with code " + std::to_string(exit_code) + after;
}

}  // namespace kelola
