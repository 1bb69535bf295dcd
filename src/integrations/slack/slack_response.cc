#include "integrations/slack/slack_response.h"

#include "integrations/notifier/notifier_values.h"

namespace kelola {
namespace {

using Kind = NotifyAttempt::Kind;

struct SlackError {
  std::string_view code;
  Kind kind;
  std::string_view meaning;
};

// Slack's documented incoming-webhook error codes.
constexpr SlackError kSlackErrors[] = {
    {"invalid_payload", Kind::kRejected, "the message is not a valid payload"},
    {"user_not_found", Kind::kRejected, "the user in the message does not exist"},
    {"too_many_attachments", Kind::kRejected, "the message has too many attachments"},
    {"invalid_blocks", Kind::kRejected, "the message's blocks are invalid"},
    {"invalid_blocks_format", Kind::kRejected, "the message's blocks are malformed"},
    {"missing_text_or_fallback_or_attachments", Kind::kRejected, "the message has no text"},
    {"no_service_id", Kind::kReceiverDisabled, "the webhook URL's service id is invalid"},
    {"action_prohibited", Kind::kReceiverDisabled, "the workspace restricts this webhook"},
    {"posting_to_general_channel_denied", Kind::kReceiverDisabled, "posting to the general channel is denied"},
    {"invalid_token", Kind::kReceiverDisabled, "the webhook's token is invalid"},
    {"channel_not_found", Kind::kReceiverDisabled, "the channel does not exist"},
    {"no_service", Kind::kReceiverDisabled, "the webhook is disabled, removed or invalid"},
    {"no_team", Kind::kReceiverDisabled, "the workspace is missing or invalid"},
    {"channel_is_archived", Kind::kReceiverDisabled, "the channel has been archived"},
    {"team_disabled", Kind::kReceiverDisabled, "the workspace is no longer active"},
};

const SlackError* FindSlackError(std::string_view body) {
  // The body is the bare code ("channel_is_archived"), maybe with spaces.
  size_t b = body.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return nullptr;
  size_t e = body.find_last_not_of(" \t\r\n");
  std::string_view code = body.substr(b, e - b + 1);
  for (const SlackError& err : kSlackErrors) {
    if (err.code == code) return &err;
  }
  return nullptr;
}

}  // namespace

NotifyAttempt ClassifySlackResponse(int status, std::string_view body, std::optional<Duration> retry_after) {
  NotifyAttempt a;
  a.http_status = status;
  const std::string prefix = "Slack webhook: " + std::to_string(status);
  if (status >= 200 && status < 300) {
    a.kind = Kind::kDelivered;
    a.detail = prefix + " " + BodyExcerpt(body, 40);
    return a;
  }
  if (status == 429) {
    a.kind = Kind::kRetry;
    a.retry_after = retry_after;
    a.detail = prefix + " rate limited";
    if (retry_after) {
      a.detail += ", retry after " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*retry_after).count()) + "s";
    }
    return a;
  }
  if (const SlackError* err = FindSlackError(body); err != nullptr && status >= 400 && status < 500) {
    a.kind = err->kind;
    a.detail = prefix + " " + std::string(err->code) + ": " + std::string(err->meaning);
    return a;
  }
  if (status >= 500 || status == 408) {
    a.kind = Kind::kRetry;
    a.retry_after = retry_after;
  } else if (status == 401 || status == 403 || status == 404 || status == 410) {
    a.kind = Kind::kReceiverDisabled;
  } else {
    a.kind = Kind::kRejected;
  }
  a.detail = prefix + " " + BodyExcerpt(body);
  return a;
}

}  // namespace kelola
