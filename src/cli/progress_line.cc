#include "cli/progress_line.h"

#include <unistd.h>

#include "ssh/fleet_report.h"

namespace kelola {

ProgressLine::ProgressLine(std::ostream& out, std::ostream& terminal, bool enabled, Clock& clock, Duration tick)
    : out_(out), terminal_(terminal), enabled_(enabled), clock_(clock), start_(clock.Monotonic()) {
  if (!enabled_) return;
  ticker_ = std::thread([this, tick] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!finished_) {
      cv_.wait_for(lock, tick);
      if (!finished_ && have_progress_) DrawLocked();
    }
  });
}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(const FleetProgress& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  progress_ = progress;
  have_progress_ = true;
  if (enabled_ && !finished_) DrawLocked();
}

void ProgressLine::Print(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool redraw = drawn_;
  ClearLocked();
  out_ << line << "\n" << std::flush;
  if (redraw && !finished_) DrawLocked();
}

void ProgressLine::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
    ClearLocked();
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressLine::DrawLocked() {
  if (!enabled_) return;
  // "\r" + erase-line: the line is redrawn in place.
  terminal_ << "\r\033[K" << FormatFleetProgress(progress_, clock_.Monotonic() - start_) << std::flush;
  drawn_ = true;
}

void ProgressLine::ClearLocked() {
  if (!drawn_) return;
  terminal_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

}  // namespace kelola
