#include "cli/progress_line.h"

#include <gtest/gtest.h>

#include <sstream>

namespace kelola {
namespace {

constexpr Duration kNoTicks = std::chrono::hours(1);

TEST(ProgressLineTest, DrawsInPlaceAndKeepsResultLinesAbove) {
  FakeClock clock;
  std::ostringstream out, terminal;
  {
    ProgressLine line(out, terminal, /*enabled=*/true, clock, kNoTicks);
    line.Update(FleetProgress{50, 0, 0, 0, 0, 50, 1, 1});
    clock.Advance(std::chrono::milliseconds(1500));
    line.Print("ok  h1  exit=0");
    line.Update(FleetProgress{50, 1, 1, 0, 0, 49, 1, 1});
    line.Finish();
    line.Finish();  // idempotent
  }
  EXPECT_EQ(out.str(), "ok  h1  exit=0\n");
  EXPECT_EQ(terminal.str(),
            "\r\033[K[ 0/50] ok 0  failed 0  running 50  0.0s"  // first draw
            "\r\033[K"                                          // cleared for the result line
            "\r\033[K[ 0/50] ok 0  failed 0  running 50  1.5s"  // redrawn below it
            "\r\033[K[ 1/50] ok 1  failed 0  running 49  1.5s"  // updated
            "\r\033[K");                                        // cleared at the end
}

TEST(ProgressLineTest, WritesNothingWhenNotATerminal) {
  FakeClock clock;
  std::ostringstream out, terminal;
  ProgressLine line(out, terminal, /*enabled=*/false, clock, std::chrono::milliseconds(1));
  line.Update(FleetProgress{3, 1, 1, 0, 0, 2, 1, 1});
  line.Print("ok  h1");
  line.Finish();
  EXPECT_EQ(out.str(), "ok  h1\n");
  EXPECT_EQ(terminal.str(), "");
}

}  // namespace
}  // namespace kelola
