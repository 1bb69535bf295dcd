#include "alerting/alert.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

// Vectors from prometheus/common model/signature_test.go (labelSetToFingerprint),
// which Alertmanager uses for alert fingerprints.
TEST(LabelsFingerprint, MatchesPrometheusModel) {
  EXPECT_EQ(LabelsFingerprint({}), 14695981039346656037ULL);
  LabelSet ls{{"name", "garland, briggs"}, {"fear", "love is not enough"}};
  EXPECT_EQ(LabelsFingerprint(ls), 5799056148416392346ULL);
  EXPECT_EQ(FingerprintHex(LabelsFingerprint(ls)), "507a62d79ee76c9a");
  EXPECT_EQ(FingerprintHex(LabelsFingerprint({})), "cbf29ce484222325");
}

TEST(LabelsFingerprint, SeparatesNamesFromValues) {
  EXPECT_NE(LabelsFingerprint({{"ab", "c"}}), LabelsFingerprint({{"a", "bc"}}));
}

Alert MakeAlert(LabelSet labels, LabelSet annotations, AlertStatus status) {
  Alert a;
  a.labels = std::move(labels);
  a.annotations = std::move(annotations);
  a.status = status;
  return a;
}

TEST(Notification, StatusIsFiringWhenAnyAlertFires) {
  Notification n;
  n.alerts.push_back(MakeAlert({{"alertname", "a"}}, {}, AlertStatus::kResolved));
  EXPECT_EQ(n.Status(), AlertStatus::kResolved);
  n.alerts.push_back(MakeAlert({{"alertname", "b"}}, {}, AlertStatus::kFiring));
  EXPECT_EQ(n.Status(), AlertStatus::kFiring);
  EXPECT_EQ(AlertStatusName(n.Status()), "firing");
}

TEST(Notification, CommonLabelsAndAnnotationsAreThoseSharedByEveryAlert) {
  Notification n;
  n.alerts.push_back(MakeAlert({{"alertname", "ErrorSpike"}, {"service", "api"}, {"template", "t1"}},
                               {{"summary", "x"}, {"runbook", "r"}}, AlertStatus::kFiring));
  n.alerts.push_back(MakeAlert({{"alertname", "ErrorSpike"}, {"service", "api"}, {"template", "t2"}},
                               {{"summary", "y"}, {"runbook", "r"}}, AlertStatus::kFiring));
  EXPECT_EQ(n.CommonLabels(), (LabelSet{{"alertname", "ErrorSpike"}, {"service", "api"}}));
  EXPECT_EQ(n.CommonAnnotations(), (LabelSet{{"runbook", "r"}}));
  EXPECT_TRUE(Notification{}.CommonLabels().empty());
}

}  // namespace
}  // namespace kelola
