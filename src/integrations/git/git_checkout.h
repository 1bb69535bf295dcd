// GitCheckout: SourceCheckout with the git CLI as a subprocess (src/proc,
// argv only, never a shell): `git init`, `git remote add origin <url>`,
// `git fetch --no-tags --depth 1 origin <commit>`, `git checkout --detach
// FETCH_HEAD`, then `git rev-parse HEAD` must equal the commit.
//
// Transports: file://, https:// (http:// only to loopback, for tests),
// ssh:// and scp-style user@host:path. Credentials never reach argv, the
// logs or an error message:
// - an https token goes in the environment as git config
//   (GIT_CONFIG_COUNT/KEY/VALUE) `http.<scheme>://<host>/.extraHeader =
//   Authorization: Basic base64(username:token)`, scoped to that host;
// - an ssh key and known_hosts are written (0600) to a private temp dir and
//   named in GIT_SSH_COMMAND with quoted paths (StrictHostKeyChecking=yes,
//   BatchMode, no ssh config, no agent identities).
// git runs with a clean environment: HOME is the private dir, system and
// global config are off, prompts are off, and only the allowed transports
// are enabled (GIT_ALLOW_PROTOCOL), so a URL like ext::sh cannot run code.
// Errors: see SourceCheckout; stderr's last lines (masked) are included.
// Thread-safety: Checkout() may be called from several threads.
#pragma once

#include <string>

#include "base/clock.h"
#include "runner/source_checkout.h"

namespace kelola::git {

struct GitCheckoutOptions {
  std::string git = "git";  // program name or path
};

class GitCheckout : public SourceCheckout {
 public:
  explicit GitCheckout(GitCheckoutOptions options = {}, Clock& clock = SystemClock())
      : options_(std::move(options)), clock_(clock) {}
  Result<CheckoutResult> Checkout(const CheckoutRequest& request, StepCancel& cancel) override;

 private:
  GitCheckoutOptions options_;
  Clock& clock_;
};

// What kind of URL this is; InvalidArgument for anything else.
enum class GitTransport { kFile, kHttps, kHttp, kSsh };
Result<GitTransport> ClassifyGitUrl(const std::string& url);
// "scheme://host/" of an http(s) URL, for scoping the token header.
std::string HttpUrlPrefix(const std::string& url);
// Quotes one word for a POSIX shell ('...', with ' as '\'').
std::string ShellQuoteWord(const std::string& word);

}  // namespace kelola::git
