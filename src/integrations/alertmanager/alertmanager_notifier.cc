#include "integrations/alertmanager/alertmanager_notifier.h"

#include "integrations/alertmanager/postable_alerts.h"
#include "integrations/webhook/webhook_notifier.h"

namespace kelola {

using Kind = NotifyAttempt::Kind;

Result<std::unique_ptr<AlertmanagerNotifier>> AlertmanagerNotifier::Create(AlertmanagerOptions options, Clock& clock) {
  KELOLA_RETURN_IF_ERROR(ValidateReceiverUrl("url", options.url));
  if (options.url.find_first_of("?#") != std::string::npos) {
    return InvalidArgumentError("url: Alertmanager's base URL takes no query or fragment");
  }
  if (options.firing_ttl.count() < 0) return InvalidArgumentError("firing_ttl: must not be negative");
  KELOLA_ASSIGN_OR_RETURN(HeaderMap headers, ReceiverHeaders(options.auth));
  return std::unique_ptr<AlertmanagerNotifier>(new AlertmanagerNotifier(std::move(options), std::move(headers), clock));
}

AlertmanagerNotifier::AlertmanagerNotifier(AlertmanagerOptions options, HeaderMap headers, Clock& clock)
    : options_(std::move(options)), headers_(std::move(headers)), clock_(clock), http_(options_.http) {
  endpoint_ = options_.url;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  endpoint_ += "/api/v2/alerts";
}

NotifyAttempt AlertmanagerNotifier::Send(const Notification& notification) {
  auto n = ForReceiver(notification, options_.send_resolved);
  if (!n) return {.kind = Kind::kDelivered, .detail = "Alertmanager: nothing sent (send_resolved is off)"};
  const WallTime now = clock_.Now();
  auto r = http_.PostJson(endpoint_, headers_, PostableAlertsJson(n->alerts, now, options_.firing_ttl));
  NotifyAttempt a;
  if (!r.ok()) {
    a = TransportFailureAttempt(r.status(), "Alertmanager");
  } else {
    a = ClassifyGenericResponse("Alertmanager", r->status, r->body, RetryAfterOf(*r, now));
    if (r->status == 404) a.kind = Kind::kReceiverDisabled;  // no /api/v2 at this URL
  }
  std::vector<std::string> secrets = SecretPartsOfUrl(options_.url);
  for (std::string& s : ReceiverAuthSecrets(options_.auth)) secrets.push_back(std::move(s));
  a.detail = RedactSecrets(std::move(a.detail), secrets);
  return a;
}

}  // namespace kelola
