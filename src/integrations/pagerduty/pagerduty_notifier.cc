#include "integrations/pagerduty/pagerduty_notifier.h"

namespace kelola {

using Kind = NotifyAttempt::Kind;

Result<std::unique_ptr<PagerDutyNotifier>> PagerDutyNotifier::Create(PagerDutyOptions options, Clock& clock) {
  KELOLA_RETURN_IF_ERROR(ValidateReceiverUrl("url", options.url));
  if (options.event.routing_key.empty()) return InvalidArgumentError("routing_key: required");
  for (char c : options.event.routing_key) {
    if (static_cast<unsigned char>(c) <= 0x20) return InvalidArgumentError("routing_key: contains whitespace");
  }
  if (PagerDutySeverity(options.event.default_severity) != options.event.default_severity) {
    return InvalidArgumentError("default_severity: expected one of critical|error|warning|info, got \"" +
                                options.event.default_severity + "\"");
  }
  return std::unique_ptr<PagerDutyNotifier>(new PagerDutyNotifier(std::move(options), clock));
}

PagerDutyNotifier::PagerDutyNotifier(PagerDutyOptions options, Clock& clock)
    : options_(std::move(options)), clock_(clock), http_(options_.http) {}

NotifyAttempt PagerDutyNotifier::Send(const Notification& notification) {
  auto n = ForReceiver(notification, options_.send_resolved);
  if (!n) return {.kind = Kind::kDelivered, .detail = "PagerDuty: nothing sent (send_resolved is off)"};
  const std::string body = PagerDutyEventJson(*n, options_.event);
  auto r = http_.PostJson(options_.url, {}, body);
  NotifyAttempt a = r.ok() ? ClassifyPagerDutyResponse(r->status, r->body, RetryAfterOf(*r, clock_.Now()))
                           : TransportFailureAttempt(r.status(), "PagerDuty");
  const std::string action = n->Status() == AlertStatus::kFiring ? "trigger" : "resolve";
  if (a.detail.rfind("PagerDuty", 0) == 0) a.detail.insert(9, " " + action);
  a.detail = RedactSecrets(std::move(a.detail), {options_.event.routing_key});
  return a;
}

}  // namespace kelola
