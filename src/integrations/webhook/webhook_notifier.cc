#include "integrations/webhook/webhook_notifier.h"

#include "integrations/webhook/webhook_payload.h"

namespace kelola {

using Kind = NotifyAttempt::Kind;

NotifyAttempt ClassifyGenericResponse(std::string_view what, int status, std::string_view body,
                                      std::optional<Duration> retry_after) {
  NotifyAttempt a;
  a.http_status = status;
  a.detail = std::string(what) + ": " + std::to_string(status);
  if (std::string excerpt = BodyExcerpt(body); !excerpt.empty()) a.detail += " " + excerpt;
  if (status >= 200 && status < 300) {
    a.kind = Kind::kDelivered;
  } else if (status == 408 || status == 429 || status >= 500) {
    a.kind = Kind::kRetry;
    a.retry_after = retry_after;
  } else if (status == 410) {
    a.kind = Kind::kReceiverDisabled;
  } else {
    a.kind = Kind::kRejected;
  }
  return a;
}

Result<std::unique_ptr<WebhookNotifier>> WebhookNotifier::Create(WebhookOptions options, Clock& clock) {
  KELOLA_RETURN_IF_ERROR(ValidateReceiverUrl("url", options.url));
  KELOLA_ASSIGN_OR_RETURN(HeaderMap headers, ReceiverHeaders(options.auth));
  return std::unique_ptr<WebhookNotifier>(new WebhookNotifier(std::move(options), std::move(headers), clock));
}

WebhookNotifier::WebhookNotifier(WebhookOptions options, HeaderMap headers, Clock& clock)
    : options_(std::move(options)), headers_(std::move(headers)), clock_(clock), http_(options_.http) {}

NotifyAttempt WebhookNotifier::Send(const Notification& notification) {
  auto n = ForReceiver(notification, options_.send_resolved);
  if (!n) return {.kind = Kind::kDelivered, .detail = "webhook: nothing sent (send_resolved is off)"};
  auto r = http_.PostJson(options_.url, headers_, AlertmanagerWebhookJson(*n, options_.max_alerts));
  NotifyAttempt a = r.ok() ? ClassifyGenericResponse("webhook", r->status, r->body, RetryAfterOf(*r, clock_.Now()))
                           : TransportFailureAttempt(r.status(), "webhook");
  std::vector<std::string> secrets = SecretPartsOfUrl(options_.url);
  for (std::string& s : ReceiverAuthSecrets(options_.auth)) secrets.push_back(std::move(s));
  a.detail = RedactSecrets(std::move(a.detail), secrets);
  return a;
}

}  // namespace kelola
