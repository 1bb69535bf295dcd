// Authorization and extra headers of the HTTP receivers that take them
// (webhook, alertmanager): a bearer token or basic auth, never both, and
// fixed extra headers. Secrets go only into the Authorization header.
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "net/http_message.h"

namespace kelola {

struct ReceiverAuth {
  std::string bearer_token;          // secret
  std::string username;              // basic auth, with password
  std::string password;              // secret
  std::vector<std::string> headers;  // "Name: value"; not for secrets (they are not redacted)
};

// The headers to send, or InvalidArgument naming the key: bearer_token and
// basic_auth together, a password without a username, a header item that is
// not "Name: value" with a token name, or one of Authorization,
// Content-Type, Content-Length, Host (set by the notifier).
Result<HeaderMap> ReceiverHeaders(const ReceiverAuth& auth);

// The secrets of `auth`, for RedactSecrets.
std::vector<std::string> ReceiverAuthSecrets(const ReceiverAuth& auth);

}  // namespace kelola
