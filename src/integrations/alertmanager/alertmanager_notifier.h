// AlertmanagerNotifier: forwards every alert of a notification to a real
// Prometheus Alertmanager with `POST {url}/api/v2/alerts` (postable_alerts.h),
// so teams that route, silence and page with Alertmanager keep doing so
// while kelola does the detecting. Alertmanager groups and deduplicates by
// fingerprint itself; a resolved alert is sent with its endsAt in the past.
//
// `url` is Alertmanager's base URL including any --web.route-prefix
// ("http://am:9093" or "https://mon/alertmanager"). Optional bearer token or
// basic auth (for a proxy in front of it) and extra headers.
// Answers: 200 kDelivered; 400 (a validation error) kRejected; 404/410
// kReceiverDisabled (no v2 API there); 408/429/5xx/no answer kRetry; other
// 4xx kRejected.
// Thread-safety: Send may be called from several threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "alerting/alert.h"
#include "base/clock.h"
#include "integrations/notifier/notifier_http.h"
#include "integrations/notifier/receiver_auth.h"

namespace kelola {

struct AlertmanagerOptions {
  std::string url;  // base URL
  ReceiverAuth auth;
  std::chrono::milliseconds firing_ttl{0};  // endsAt of firing alerts = now + this; 0 = not sent
  bool send_resolved = true;
  ReceiverHttpOptions http;
};

class AlertmanagerNotifier final : public Notifier {
 public:
  static Result<std::unique_ptr<AlertmanagerNotifier>> Create(AlertmanagerOptions options,
                                                              Clock& clock = SystemClock());

  std::string_view Kind() const override { return "alertmanager"; }
  NotifyAttempt Send(const Notification& notification) override;

  // "{url}/api/v2/alerts".
  const std::string& endpoint() const { return endpoint_; }

 private:
  AlertmanagerNotifier(AlertmanagerOptions options, HeaderMap headers, Clock& clock);
  AlertmanagerOptions options_;
  HeaderMap headers_;
  std::string endpoint_;
  Clock& clock_;
  NotifierHttp http_;
};

}  // namespace kelola
