// SlackNotifier: posts notifications to a Slack incoming webhook
// (https://hooks.slack.com/services/T.../B.../...), the message built by
// slack_message.h.
//
// Answers, per Slack's incoming-webhook errors (a status and a short code in
// the body):
//   200                                   kDelivered
//   429 (rate_limited)                    kRetry, retry_after from Retry-After
//   5xx (rollup_error...), no answer      kRetry
//   400 invalid_payload, user_not_found,  kRejected: this message is wrong
//       too_many_attachments, invalid_blocks...
//   403 action_prohibited, invalid_token, kReceiverDisabled: the webhook
//       posting_to_general_channel_denied;  cannot post any more; the
//   404 channel_not_found, no_service,      alert manager disables the
//       no_team; 410 channel_is_archived,   receiver and raises an event
//       team_disabled; 400 no_service_id
// The webhook URL is the secret: it appears in no detail, error or log.
// Thread-safety: Send may be called from several threads.
#pragma once

#include <memory>
#include <string>

#include "alerting/alert.h"
#include "base/clock.h"
#include "integrations/notifier/notifier_http.h"
#include "integrations/slack/slack_response.h"

namespace kelola {

struct SlackOptions {
  std::string url;  // the incoming webhook URL (secret)
  bool send_resolved = true;
  ReceiverHttpOptions http;
};

class SlackNotifier final : public Notifier {
 public:
  // InvalidArgument naming the field when `url` is not an http(s) URL.
  static Result<std::unique_ptr<SlackNotifier>> Create(SlackOptions options, Clock& clock = SystemClock());

  std::string_view Kind() const override { return "slack"; }
  NotifyAttempt Send(const Notification& notification) override;

 private:
  SlackNotifier(SlackOptions options, Clock& clock);
  SlackOptions options_;
  Clock& clock_;
  NotifierHttp http_;
};

}  // namespace kelola
