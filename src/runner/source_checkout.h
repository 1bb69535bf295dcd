// SourceCheckout: puts the exact commit a run is for into a fresh workspace.
// The real implementation is GitCheckout (src/integrations/git: git as a
// subprocess, file://, https with a token, ssh with a key).
//
// Credentials are secrets: they never appear in a command line, a log line
// or an error message.
// Errors: InvalidArgument for a bad request (not a full commit id, an
// unsupported URL, a password inside the URL), FailedPrecondition when the
// workspace exists and is not empty, NotFound when the repository does not
// have the commit, PermissionDenied when authentication or host-key
// verification fails, Unavailable when the remote cannot be reached,
// DeadlineExceeded on timeout, Cancelled when cancelled.
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"
#include "runner/step_cancel.h"

namespace kelola {

struct CheckoutRequest {
  // file:///srv/app.git, https://github.com/o/r.git, ssh://git@host:22/o/r.git
  // or git@host:o/r.git.
  std::string url;
  std::string commit;     // the full object id (40 hex digits; 64 for SHA-256 repositories)
  std::string workspace;  // created; must not exist or be empty
  // https: sent as "Authorization: Basic base64(username:token)" for this
  // URL's host only (GitHub: x-access-token; GitLab: oauth2).
  std::string https_token;
  std::string https_username = "x-access-token";
  // ssh: the private key (OpenSSH/PEM text) and the known_hosts lines the
  // server's key must match; ssh steps refuse to run without known_hosts.
  std::string ssh_private_key;
  std::string ssh_known_hosts;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // per git command
};

struct CheckoutResult {
  std::string commit;  // what HEAD is, verified
  std::string workspace;
};

class SourceCheckout {
 public:
  virtual ~SourceCheckout() = default;
  virtual Result<CheckoutResult> Checkout(const CheckoutRequest& request, StepCancel& cancel) = 0;
};

}  // namespace kelola
