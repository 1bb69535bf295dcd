// StepCancel: the cancellation signal of one running step, shared between
// the runner (which calls Cancel(): the API's "cancel", a newer push, a
// shutdown) and the executor (which registers how to kill what it runs).
//
// Cancel() marks the step cancelled and runs the registered kill action at
// most once; an action registered after Cancel() runs at once, so a step
// cancelled before its container started is still stopped.
// The kill action runs under StepCancel's lock: Clear() waits for one in
// progress, so the executor may free what it points to afterwards; the action
// must not call back into the StepCancel.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <mutex>

namespace kelola {

class StepCancel {
 public:
  void Cancel();
  bool cancelled() const;
  // Replaces the kill action; runs it at once when already cancelled.
  void OnCancel(std::function<void()> kill);
  // Forgets the kill action (what it would kill is gone).
  void Clear();

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> kill_;
};

}  // namespace kelola
