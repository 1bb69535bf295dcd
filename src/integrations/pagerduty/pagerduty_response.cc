#include "integrations/pagerduty/pagerduty_response.h"

#include <nlohmann/json.hpp>

#include "integrations/notifier/notifier_values.h"

namespace kelola {
namespace {

using json = nlohmann::json;

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

using Kind = NotifyAttempt::Kind;

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

}  // namespace kelola
