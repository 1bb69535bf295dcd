// Forge webhook intake: POST /v1/hooks/github and POST /v1/hooks/gitlab.
//
// These routes authenticate by the forge's signature, not by a kelola token:
// GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the
// pipeline's webhook secret), GitLab's X-Gitlab-Token (the secret itself);
// both compared in constant time against the secret of every Pipeline of
// that forge for the payload's repository (or of ?pipeline=NAME). No match:
// 401, an "audit.webhook.rejected" event, nothing stored.
//
// A verified code event (push, tag, pull/merge request) is written to the
// store's webhook inbox keyed by its delivery id (GitHub: X-GitHub-Delivery;
// GitLab: Idempotency-Key, else X-Gitlab-Event-UUID, else the body's
// SHA-256), in one transaction with the replay check, and answered 202; a
// replayed delivery is answered 200 and stored once. The run is queued by
// the inbox consumer (src/pipeline/inbox_consumer.h), not here, so the
// answer is fast and a crash after it loses nothing. Ping is answered 200;
// other events are acknowledged (200) and ignored.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterHookRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
