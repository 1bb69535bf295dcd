// libFuzzer target: ScalingPolicy files (YAML/JSON) and their cron
// expressions are outside input. ParseScalingPolicyFile must never crash,
// hang or leak, and fails only with InvalidArgument; a policy that decodes is
// evaluated once by Decide (bounds, schedules, behavior) without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scale/autoscaler.h"
#include "scale/cron_schedule.h"
#include "scale/scaling_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cron = kelola::CronSchedule::Parse(text);
  if (cron.ok()) (void)cron->Matches(kelola::WallTime(std::chrono::seconds(size * 7919)));
  auto r = kelola::ParseScalingPolicyFile(text, "fuzz.yaml");
  if (!r.ok()) {
    if (r.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  const kelola::WallTime now(std::chrono::seconds(1'800'000'000));
  kelola::GroupObservation g{"web", 3, {{"a", now}, {"b", now - std::chrono::hours(1)}, {"c", std::nullopt}}};
  kelola::MetricReading reading{kelola::OkStatus(), true, {50.0, 90.0, std::nullopt}, 0};
  std::vector<kelola::MetricReading> readings(r->size(), reading);
  kelola::ScalingHistory h;
  kelola::ScalingDecision d = kelola::Decide(*r, g, readings, now, h);
  if (d.desired < 0) std::abort();
  return 0;
}
