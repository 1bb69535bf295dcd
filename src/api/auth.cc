#include "api/auth.h"

#include "base/crypto.h"

namespace kelola {
namespace {

constexpr std::string_view kPrefix = "kl_";
constexpr size_t kIdBytes = 8;  // 16 hex characters

}  // namespace

Result<Role> ParseRole(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "operator") return Role::kOperator;
  if (name == "admin") return Role::kAdmin;
  return InvalidArgumentError("role: expected one of admin|operator|viewer, got \"" + std::string(name) + "\"");
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kOperator: return "operator";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

Result<IssuedToken> IssueToken(Store& store, Clock& clock, const std::string& name, Role role,
                               std::chrono::seconds ttl) {
  if (name.empty() || name.size() > 128) return InvalidArgumentError("name: must be 1-128 characters");
  KELOLA_ASSIGN_OR_RETURN(std::string id_bytes, RandomBytes(kIdBytes));
  KELOLA_ASSIGN_OR_RETURN(std::string secret, RandomToken(32));
  IssuedToken out;
  out.record.id = HexEncode(id_bytes);
  out.record.name = name;
  out.record.role = std::string(RoleName(role));
  out.record.secret_hash = Sha256Hex(secret);
  out.record.created_at = clock.Now();
  if (ttl.count() > 0) out.record.expires_at = clock.Now() + ttl;
  KELOLA_RETURN_IF_ERROR(store.CreateToken(out.record));
  out.plaintext = std::string(kPrefix) + out.record.id + "_" + secret;
  return out;
}

namespace {

struct PresentedToken {
  std::string id;
  std::string secret_hash;
};

Result<PresentedToken> ParseBearer(std::string_view header) {
  if (header.empty()) return UnauthenticatedError("missing Authorization header (expected \"Bearer <token>\")");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return UnauthenticatedError("Authorization header must be \"Bearer <token>\"");
  }
  std::string_view token = header.substr(kBearer.size());
  const size_t id_len = kIdBytes * 2;
  if (token.size() < kPrefix.size() + id_len + 2 || token.substr(0, kPrefix.size()) != kPrefix ||
      token[kPrefix.size() + id_len] != '_') {
    return UnauthenticatedError("malformed token (expected kl_<id>_<secret>)");
  }
  return PresentedToken{std::string(token.substr(kPrefix.size(), id_len)),
                        Sha256Hex(token.substr(kPrefix.size() + id_len + 1))};
}

Result<Principal> Check(const ApiToken& record, const PresentedToken& presented, WallTime now) {
  if (!ConstantTimeEquals(presented.secret_hash, record.secret_hash)) return UnauthenticatedError("invalid token");
  if (record.revoked) return UnauthenticatedError("token " + record.id + " has been revoked");
  if (record.expires_at && now >= *record.expires_at) {
    return UnauthenticatedError("token " + record.id + " has expired");
  }
  KELOLA_ASSIGN_OR_RETURN(Role role, ParseRole(record.role));
  return Principal{record.id, record.name, role};
}

Result<ApiToken> Lookup(Store& store, const std::string& id) {
  auto record = store.GetToken(id);
  if (!record.ok() && record.status().code() == StatusCode::kNotFound) return UnauthenticatedError("invalid token");
  return record;
}

}  // namespace

Result<Principal> Authenticate(Store& store, Clock& clock, std::string_view header) {
  KELOLA_ASSIGN_OR_RETURN(PresentedToken presented, ParseBearer(header));
  KELOLA_ASSIGN_OR_RETURN(ApiToken record, Lookup(store, presented.id));
  return Check(record, presented, clock.Now());
}

TokenVerifier::TokenVerifier(Store& store, Clock& clock, std::chrono::seconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {
  subscription_ = store_.Subscribe([this](const Event& e) {
    if (e.type == "audit.token.revoked" && e.subject.rfind("token/", 0) == 0) {
      std::lock_guard<std::mutex> l(mu_);
      cache_.erase(e.subject.substr(6));
    }
  });
}

TokenVerifier::~TokenVerifier() { subscription_.reset(); }

Result<Principal> TokenVerifier::Authenticate(std::string_view header) {
  KELOLA_ASSIGN_OR_RETURN(PresentedToken presented, ParseBearer(header));
  const MonoTime now = clock_.Monotonic();
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(presented.id);
    if (it != cache_.end() && now - it->second.fetched < ttl_) return Check(it->second.record, presented, clock_.Now());
  }
  KELOLA_ASSIGN_OR_RETURN(ApiToken record, Lookup(store_, presented.id));
  {
    std::lock_guard<std::mutex> l(mu_);
    if (cache_.size() > 10'000) cache_.clear();  // bounds memory against floods of distinct ids
    cache_[presented.id] = Cached{record, now};
  }
  return Check(record, presented, clock_.Now());
}

}  // namespace kelola
