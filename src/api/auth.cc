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

Result<Principal> Authenticate(Store& store, Clock& clock, std::string_view header) {
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
  std::string id(token.substr(kPrefix.size(), id_len));
  std::string_view secret = token.substr(kPrefix.size() + id_len + 1);
  auto record = store.GetToken(id);
  // Hash even when the id is unknown so that timing does not reveal which ids exist.
  std::string presented = Sha256Hex(secret);
  if (!record.ok()) {
    if (record.status().code() != StatusCode::kNotFound) return record.status();
    (void)ConstantTimeEquals(presented, presented);
    return UnauthenticatedError("invalid token");
  }
  if (!ConstantTimeEquals(presented, record->secret_hash)) return UnauthenticatedError("invalid token");
  if (record->revoked) return UnauthenticatedError("token " + id + " has been revoked");
  if (record->expires_at && clock.Now() >= *record->expires_at) {
    return UnauthenticatedError("token " + id + " has expired");
  }
  KELOLA_ASSIGN_OR_RETURN(Role role, ParseRole(record->role));
  return Principal{record->id, record->name, role};
}

}  // namespace kelola
