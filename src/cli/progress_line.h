// ProgressLine: the live "[ 12/50] ok 10  failed 2  running 38  3.1s" line
// that `kelola exec|copy|runbook apply` keep at the bottom of a terminal.
//
// It draws only when enabled (the CLI enables it when stderr is a TTY and the
// output is a table): on a pipe or in a file nothing is written, so logs and
// scripts never see carriage returns. While enabled, a small thread redraws
// the line every `tick` so the elapsed time moves even when no host finishes.
// Print() writes a result line to `out` above the progress line.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "base/clock.h"
#include "ssh/fleet_runner.h"

namespace kelola {

class ProgressLine {
 public:
  ProgressLine(std::ostream& out, std::ostream& terminal, bool enabled, Clock& clock,
               Duration tick = std::chrono::milliseconds(250));
  ~ProgressLine();  // Finish()
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void Update(const FleetProgress& progress);
  // Writes `line` + "\n" to out, keeping the progress line below it.
  void Print(const std::string& line);
  // Clears the progress line and stops redrawing. Idempotent.
  void Finish();

 private:
  void DrawLocked();
  void ClearLocked();

  std::ostream& out_;
  std::ostream& terminal_;
  const bool enabled_;
  Clock& clock_;
  const MonoTime start_;
  std::mutex mu_;
  std::condition_variable cv_;
  FleetProgress progress_;
  bool have_progress_ = false;
  bool drawn_ = false;
  bool finished_ = false;
  std::thread ticker_;
};

// True when the file descriptor is a terminal (isatty).
bool IsTerminal(int fd);

}  // namespace kelola
