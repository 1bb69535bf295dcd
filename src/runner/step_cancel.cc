#include "runner/step_cancel.h"

namespace kelola {

// The kill action runs under the lock, so Clear() waits for one in progress
// and the executor may then free what the action points to.
void StepCancel::Cancel() {
  std::lock_guard lock(mu_);
  if (cancelled_) return;
  cancelled_ = true;
  if (kill_) kill_();
  kill_ = nullptr;
}

bool StepCancel::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

void StepCancel::OnCancel(std::function<void()> kill) {
  std::lock_guard lock(mu_);
  if (cancelled_) {
    if (kill) kill();
    return;
  }
  kill_ = std::move(kill);
}

void StepCancel::Clear() {
  std::lock_guard lock(mu_);
  kill_ = nullptr;
}

}  // namespace kelola
