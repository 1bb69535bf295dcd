// API tokens and roles.
//
// A token reads "kl_<id>_<secret>": the id is public (listings, audit
// events), the secret is 32 random bytes shown once at creation and stored
// only as its SHA-256. Verification compares hashes in constant time.
//
// Roles are ordered: viewer (read) < operator (read, write resources and
// secrets) < admin (everything, including tokens).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

enum class Role { kViewer = 0, kOperator = 1, kAdmin = 2 };

Result<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

struct Principal {
  std::string token_id;
  std::string name;
  Role role = Role::kViewer;
  // "token:<name>" for the audit trail.
  std::string Actor() const { return "token:" + name; }
};

struct IssuedToken {
  ApiToken record;
  std::string plaintext;  // give to the user once; never stored or logged
};

// Creates and stores a token. `ttl` of zero means it does not expire.
Result<IssuedToken> IssueToken(Store& store, Clock& clock, const std::string& name, Role role,
                               std::chrono::seconds ttl = std::chrono::seconds(0));

// Verifies an "Authorization: Bearer kl_..." header value. Unauthenticated
// with a reason that never echoes the presented secret.
Result<Principal> Authenticate(Store& store, Clock& clock, std::string_view authorization_header);

// TokenVerifier: Authenticate with a short-lived cache of token records, so
// the hot path does not read the store for every request. A revocation made
// through this replica takes effect at once (the "audit.token.revoked"
// event evicts the record); one made elsewhere takes effect within `ttl`.
// Expiry is always checked against the clock. Thread-safe.
class TokenVerifier {
 public:
  TokenVerifier(Store& store, Clock& clock, std::chrono::seconds ttl = std::chrono::seconds(5));
  ~TokenVerifier();
  Result<Principal> Authenticate(std::string_view authorization_header);

 private:
  struct Cached {
    ApiToken record;
    MonoTime fetched;
  };
  Store& store_;
  Clock& clock_;
  const std::chrono::seconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // token id -> record
  std::unique_ptr<Store::Subscription> subscription_;
};

}  // namespace kelola
