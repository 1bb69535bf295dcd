#include "integrations/pagerduty/pagerduty_notifier.h"

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;
using Kind = NotifyAttempt::Kind;

// "Event object is invalid: 'payload.summary' is missing" from PagerDuty's
// answer, or the start of the body when it is not that JSON.
std::string AnswerText(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return BodyExcerpt(body);
  std::string out;
  if (auto it = doc.find("message"); it != doc.end() && it->is_string()) out = it->get<std::string>();
  if (auto it = doc.find("errors"); it != doc.end() && it->is_array()) {
    std::string errors;
    for (const json& e : *it) {
      if (e.is_string()) errors += (errors.empty() ? "" : "; ") + e.get<std::string>();
    }
    if (!errors.empty()) out += (out.empty() ? "" : ": ") + errors;
  }
  return BodyExcerpt(out.empty() ? std::string(body) : out, 400);
}

}  // namespace

NotifyAttempt ClassifyPagerDutyResponse(int status, std::string_view body, std::optional<Duration> retry_after) {
  NotifyAttempt a;
  a.http_status = status;
  a.detail = "PagerDuty: " + std::to_string(status) + " " + AnswerText(body);
  if (status >= 200 && status < 300) {
    a.kind = Kind::kDelivered;
  } else if (status == 429) {
    a.kind = Kind::kRetry;
    a.retry_after = retry_after ? *retry_after : Duration(kPagerDutyRateLimitBackoff);
  } else if (status >= 500 || status == 408) {
    a.kind = Kind::kRetry;
    a.retry_after = retry_after;
  } else if (status == 401 || status == 403 || status == 404) {
    a.kind = Kind::kReceiverDisabled;
  } else {
    a.kind = Kind::kRejected;
  }
  return a;
}

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
