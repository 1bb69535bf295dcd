#include "integrations/notifier/notification_text.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

Alert MakeAlert(LabelSet labels, AlertStatus status, LabelSet annotations = {}) {
  Alert a;
  a.labels = std::move(labels);
  a.annotations = std::move(annotations);
  a.status = status;
  return a;
}

TEST(NotificationTitle, FollowsAlertmanagersSubject) {
  Notification n;
  n.group_labels = {{"alertname", "ErrorSpike"}, {"service", "api"}};
  n.alerts = {
      MakeAlert({{"alertname", "ErrorSpike"}, {"service", "api"}, {"env", "prod"}, {"t", "1"}}, AlertStatus::kFiring),
      MakeAlert({{"alertname", "ErrorSpike"}, {"service", "api"}, {"env", "prod"}, {"t", "2"}},
                AlertStatus::kResolved)};
  EXPECT_EQ(NotificationTitle(n), "[FIRING:1] ErrorSpike api (prod)");
  n.alerts[0].status = AlertStatus::kResolved;
  EXPECT_EQ(NotificationTitle(n), "[RESOLVED] ErrorSpike api (prod)");
}

TEST(AlertSummary, PrefersSummaryThenDescriptionThenName) {
  EXPECT_EQ(
      AlertSummary(MakeAlert({{"alertname", "A"}}, AlertStatus::kFiring, {{"summary", "s"}, {"description", "d"}})),
      "s");
  EXPECT_EQ(AlertSummary(MakeAlert({{"alertname", "A"}}, AlertStatus::kFiring, {{"description", "d"}})), "d");
  EXPECT_EQ(AlertSummary(MakeAlert({{"alertname", "A"}}, AlertStatus::kFiring)), "A");
  EXPECT_EQ(AlertSummary(MakeAlert({}, AlertStatus::kFiring)), "alert");
}

TEST(TruncateUtf8, NeverCutsASequence) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("abcdefghij", 6), "abc\xe2\x80\xa6");
  // "é" is two bytes: a cut inside it backs up before it.
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9xyz", 6), "ab\xe2\x80\xa6");
  EXPECT_EQ(LabelPairs({{"b", "2"}, {"a", "1"}}), "a=1 b=2");
}

}  // namespace
}  // namespace kelola
