// WebhookNotifier: POSTs every notification to a URL in Alertmanager's
// webhook JSON (webhook_payload.h), so existing Alertmanager webhook
// receivers work unchanged. Optional bearer token or basic auth, extra
// headers, max_alerts truncation.
//
// Answers: 2xx kDelivered; 408, 429, 5xx and no answer kRetry (with
// Retry-After when given); 410 Gone kReceiverDisabled; other 4xx kRejected
// (Alertmanager does not retry a 4xx either). The URL (which may carry a
// token), the bearer token and the password never appear in a detail.
// Thread-safety: Send may be called from several threads.
#pragma once

#include <memory>
#include <string>

#include "alerting/alert.h"
#include "base/clock.h"
#include "integrations/notifier/notifier_http.h"
#include "integrations/notifier/receiver_auth.h"

namespace kelola {

struct WebhookOptions {
  std::string url;  // secret: it may carry a token
  ReceiverAuth auth;
  size_t max_alerts = 0;  // 0 = all
  bool send_resolved = true;
  ReceiverHttpOptions http;
};

class WebhookNotifier final : public Notifier {
 public:
  // InvalidArgument naming the field (url, bearer_token, basic_auth.*, headers[i]).
  static Result<std::unique_ptr<WebhookNotifier>> Create(WebhookOptions options, Clock& clock = SystemClock());

  std::string_view Kind() const override { return "webhook"; }
  NotifyAttempt Send(const Notification& notification) override;

 private:
  WebhookNotifier(WebhookOptions options, HeaderMap headers, Clock& clock);
  WebhookOptions options_;
  HeaderMap headers_;
  Clock& clock_;
  NotifierHttp http_;
};

// The answer table above, shared with the Alertmanager forwarder; `what`
// starts the detail ("webhook").
NotifyAttempt ClassifyGenericResponse(std::string_view what, int status, std::string_view body,
                                      std::optional<Duration> retry_after);

}  // namespace kelola
