// PagerDutyNotifier: sends notifications to PagerDuty's Events API v2
// (POST {url}, default https://events.pagerduty.com/v2/enqueue) as built by
// pagerduty_event.h: trigger, then resolve with the same dedup_key.
//
// Answers, per PagerDuty's "Response Codes & Retry Logic":
//   202 (any 2xx)          kDelivered
//   400 invalid event      kRejected (not retried), with PagerDuty's errors
//   429                    kRetry; retry_after from Retry-After, else 60 s
//                          (PagerDuty asks for a backoff of minutes)
//   5xx, no answer         kRetry (Retry-After when given)
//   401/403/404            kReceiverDisabled (wrong endpoint or key)
// The routing key is the secret: redacted from every detail.
// Thread-safety: Send may be called from several threads.
#pragma once

#include <memory>
#include <string>

#include "alerting/alert.h"
#include "base/clock.h"
#include "integrations/notifier/notifier_http.h"
#include "integrations/pagerduty/pagerduty_event.h"
#include "integrations/pagerduty/pagerduty_response.h"

namespace kelola {

inline constexpr std::string_view kPagerDutyEventsUrl = "https://events.pagerduty.com/v2/enqueue";

struct PagerDutyOptions {
  std::string url = std::string(kPagerDutyEventsUrl);
  PagerDutyEventOptions event;  // routing_key (required), source, default_severity
  bool send_resolved = true;
  ReceiverHttpOptions http;
};

class PagerDutyNotifier final : public Notifier {
 public:
  // InvalidArgument naming the field: url, routing_key (missing),
  // default_severity (not critical|error|warning|info).
  static Result<std::unique_ptr<PagerDutyNotifier>> Create(PagerDutyOptions options, Clock& clock = SystemClock());

  std::string_view Kind() const override { return "pagerduty"; }
  NotifyAttempt Send(const Notification& notification) override;

 private:
  PagerDutyNotifier(PagerDutyOptions options, Clock& clock);
  PagerDutyOptions options_;
  Clock& clock_;
  NotifierHttp http_;
};

}  // namespace kelola
