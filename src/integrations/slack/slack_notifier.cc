#include "integrations/slack/slack_notifier.h"

#include <utility>

#include "integrations/slack/slack_message.h"
#include "integrations/slack/slack_response.h"

namespace kelola {

using Kind = NotifyAttempt::Kind;

Result<std::unique_ptr<SlackNotifier>> SlackNotifier::Create(SlackOptions options, Clock& clock) {
  KELOLA_RETURN_IF_ERROR(ValidateReceiverUrl("url", options.url));
  return std::unique_ptr<SlackNotifier>(new SlackNotifier(std::move(options), clock));
}

SlackNotifier::SlackNotifier(SlackOptions options, Clock& clock)
    : options_(std::move(options)), clock_(clock), http_(options_.http) {}

NotifyAttempt SlackNotifier::Send(const Notification& notification) {
  auto n = ForReceiver(notification, options_.send_resolved);
  if (!n) return {.kind = Kind::kDelivered, .detail = "Slack webhook: nothing sent (send_resolved is off)"};
  auto r = http_.PostJson(options_.url, {}, SlackMessageJson(*n));
  NotifyAttempt a = r.ok() ? ClassifySlackResponse(r->status, r->body, RetryAfterOf(*r, clock_.Now()))
                           : TransportFailureAttempt(r.status(), "Slack webhook");
  a.detail = RedactSecrets(std::move(a.detail), SecretPartsOfUrl(options_.url));
  return a;
}

}  // namespace kelola
