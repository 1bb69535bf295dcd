#include "integrations/notifier/notifier_values.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(FormatGoTime, WritesRfc3339NanoWithoutTrailingZeros) {
  const WallTime t = WallTime(seconds(1'764'237'600));  // 2025-11-27T10:00:00Z
  EXPECT_EQ(FormatGoTime(t), "2025-11-27T10:00:00Z");
  EXPECT_EQ(FormatGoTime(t + milliseconds(250)), "2025-11-27T10:00:00.25Z");
  EXPECT_EQ(FormatGoTime(t + std::chrono::nanoseconds(1)), "2025-11-27T10:00:00.000000001Z");
  EXPECT_EQ(FormatGoTime(WallTime{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(kGoZeroTime, "0001-01-01T00:00:00Z");
}

TEST(ValidateReceiverUrl, NamesTheKeyNotTheValue) {
  EXPECT_TRUE(ValidateReceiverUrl("url", "https://hooks.slack.com/services/T0/B0/x").ok());
  EXPECT_TRUE(ValidateReceiverUrl("url", "http://127.0.0.1:9093").ok());
  EXPECT_TRUE(ValidateReceiverUrl("url", "HTTPS://user:pw@example.com/x").ok());
  auto bad = ValidateReceiverUrl("url", "ftp://secret-token@example.com");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "url: must be an http:// or https:// URL");
  EXPECT_EQ(ValidateReceiverUrl("url", "").message(), "url: required");
  EXPECT_EQ(ValidateReceiverUrl("url", "https:///path").message(), "url: the URL has no host");
  EXPECT_EQ(ValidateReceiverUrl("url", "https://a b").message(), "url: contains whitespace or a control character");
}

TEST(RedactSecrets, ReplacesEveryOccurrence) {
  EXPECT_EQ(RedactSecrets("k=abc; again abc", {"abc", ""}), "k=<redacted>; again <redacted>");
  EXPECT_EQ(RedactSecrets("nothing", {"abc"}), "nothing");
}

TEST(SecretPartsOfUrl, CoversPathTokenAndPassword) {
  EXPECT_EQ(SecretPartsOfUrl("https://hooks.slack.com/services/T0/B0/abcdefgh12"),
            (std::vector<std::string>{"https://hooks.slack.com/services/T0/B0/abcdefgh12", "/services/T0/B0/abcdefgh12",
                                      "abcdefgh12"}));
  EXPECT_EQ(SecretPartsOfUrl("http://u:pw@h:1/x?token=1"),
            (std::vector<std::string>{"http://u:pw@h:1/x?token=1", "pw", "/x?token=1"}));
  EXPECT_EQ(SecretPartsOfUrl("http://h"), (std::vector<std::string>{"http://h"}));
}

TEST(BodyExcerpt, CutsAndCleans) {
  EXPECT_EQ(BodyExcerpt("  channel_is_archived\n"), "channel_is_archived");
  EXPECT_EQ(BodyExcerpt(std::string(300, 'x'), 10), "xxxxxxxxxx...");
}

TEST(ForReceiver, DropsResolvedAlertsWhenAsked) {
  Notification n;
  Alert firing, resolved;
  firing.labels = {{"alertname", "a"}};
  resolved.labels = {{"alertname", "b"}};
  resolved.status = AlertStatus::kResolved;
  n.alerts = {firing, resolved};
  EXPECT_EQ(ForReceiver(n, true)->alerts.size(), 2u);
  ASSERT_EQ(ForReceiver(n, false)->alerts.size(), 1u);
  EXPECT_EQ(ForReceiver(n, false)->alerts[0].labels.at("alertname"), "a");
  n.alerts = {resolved};
  EXPECT_FALSE(ForReceiver(n, false).has_value());
}

}  // namespace
}  // namespace kelola
