#include "ssh/fleet_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

FleetRunReport SampleReport() {
  FleetRunReport report;
  HostRunResult ok;
  ok.host = "web-1";
  ok.target = "deploy@10.0.0.1:22";
  ok.state = HostRunResult::State::kOk;
  ok.exit_code = 0;
  ok.out = "\n 10:01:02 up 3 days\nsecond line\n";
  ok.changed = true;
  ok.duration = std::chrono::milliseconds(120);
  ok.batch = 1;
  HostRunResult exit;
  exit.host = "web-2";
  exit.target = "deploy@10.0.0.2:22";
  exit.state = HostRunResult::State::kFailed;
  exit.exit_code = 3;
  exit.err = "boom\x1b[31m\n";
  exit.error_kind = SshErrorKind::kNonZeroExit;
  exit.error = "exit 3";
  exit.batch = 1;
  HostRunResult down;
  down.host = "web-3";
  down.target = "deploy@10.0.0.3:22";
  down.state = HostRunResult::State::kFailed;
  down.error_kind = SshErrorKind::kUnreachable;
  down.error = "ssh deploy@10.0.0.3:22: cannot connect: Connection refused";
  down.batch = 2;
  down.steps.push_back({"install nginx", "failed", "apt-get exited 100", std::chrono::seconds(2)});
  HostRunResult skipped;
  skipped.host = "web-4";
  skipped.target = "deploy@10.0.0.4:22";
  skipped.error = "not run: the run stopped";
  skipped.batch = 3;
  skipped.out = std::string("\xff\xfe bad utf8");
  report.hosts = {ok, exit, down, skipped};
  report.ok = 1;
  report.failed = 2;
  report.skipped = 1;
  report.changed = 1;
  report.batches = 3;
  report.aborted = true;
  report.abort_reason = "the run stopped after batch 2 of 3";
  report.duration = std::chrono::milliseconds(1500);
  return report;
}

TEST(FleetReportTest, TableShowsOneLinePerHostAndASummary) {
  const std::string table = RenderFleetTable(SampleReport());
  const std::string expected =
      "HOST   TARGET              RESULT   EXIT  KIND           CHANGED  TIME   OUTPUT\n"
      "web-1  deploy@10.0.0.1:22  ok       0     -              yes      0.12s   10:01:02 up 3 days\n"
      "web-2  deploy@10.0.0.2:22  failed   3     non-zero-exit  no       0.00s  boom\\x1b[31m\n"
      "web-3  deploy@10.0.0.3:22  failed   -     unreachable    no       0.00s  ssh deploy@10.0.0.3:22: cannot "
      "connect: "
      "Connection refused\n"
      "web-4  deploy@10.0.0.4:22  skipped  -     -              no       -      not run: the run stopped\n"
      "4 hosts: 1 ok, 2 failed, 1 skipped, 1 changed in 1.50s; the run stopped after batch 2 of 3\n";
  EXPECT_EQ(table, expected);
  FleetTableOptions narrow;
  narrow.output_width = 10;
  EXPECT_NE(RenderFleetTable(SampleReport(), narrow).find("ssh dep..."), std::string::npos);
}

TEST(FleetReportTest, JsonCarriesEverythingAndSurvivesBadUtf8) {
  const std::string text = RenderFleetJson(SampleReport());
  auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["summary"]["hosts"], 4);
  EXPECT_EQ(doc["summary"]["failed"], 2);
  EXPECT_EQ(doc["summary"]["aborted"], true);
  EXPECT_EQ(doc["summary"]["durationMs"], 1500);
  ASSERT_EQ(doc["hosts"].size(), 4u);
  EXPECT_EQ(doc["hosts"][0]["state"], "ok");
  EXPECT_EQ(doc["hosts"][0]["stdout"], "\n 10:01:02 up 3 days\nsecond line\n");
  EXPECT_EQ(doc["hosts"][1]["exitCode"], 3);
  EXPECT_EQ(doc["hosts"][1]["errorKind"], "non-zero-exit");
  EXPECT_EQ(doc["hosts"][2]["errorKind"], "unreachable");
  EXPECT_EQ(doc["hosts"][2]["steps"][0]["name"], "install nginx");
  EXPECT_EQ(doc["hosts"][2]["steps"][0]["durationMs"], 2000);
  EXPECT_EQ(doc["hosts"][3]["state"], "skipped");
  EXPECT_FALSE(doc["hosts"][0].contains("steps"));
}

TEST(FleetReportTest, ProgressLine) {
  FleetProgress progress{20, 7, 5, 2, 0, 3, 2, 4};
  EXPECT_EQ(FormatFleetProgress(progress), "[ 7/20] ok 5  failed 2  running 3  batch 2/4");
  progress.batches = 1;
  EXPECT_EQ(FormatFleetProgress(progress), "[ 7/20] ok 5  failed 2  running 3");
  EXPECT_EQ(FormatFleetProgress(progress, std::chrono::milliseconds(12345)),
            "[ 7/20] ok 5  failed 2  running 3  12.3s");
  EXPECT_EQ(FormatFleetProgress(FleetProgress{200, 200, 199, 1, 0, 0, 1, 1}, Duration(0)),
            "[200/200] ok 199  failed 1  running 0  0.0s");
}

}  // namespace
}  // namespace kelola
