#include "store/lease_rules.h"

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

Status ValidateLeaseText(const std::string& what, const std::string& text) {
  if (text.empty()) return InvalidArgumentError(what + " is empty");
  if (text.size() > 253) return InvalidArgumentError(what + " is longer than 253 characters");
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\') {
      return InvalidArgumentError(what + " has an invalid character at position " + std::to_string(i + 1) +
                                  " (printable ASCII without spaces, quotes or '\\')");
    }
  }
  return OkStatus();
}

std::string Describe(const Lease& lease) {
  return "lease " + lease.name + " (holder " + (lease.holder.empty() ? std::string("none") : lease.holder) +
         ", token " + std::to_string(lease.token) + ")";
}

// Renew and release need the caller to be the current holder with the
// current token.
Status CheckHolder(const std::optional<Lease>& current, const std::string& name, const std::string& holder,
                   int64_t token, const char* action) {
  if (!current.has_value()) return NotFoundError("lease " + name + " does not exist");
  if (current->holder != holder || current->token != token) {
    return FailedPreconditionError(std::string("cannot ") + action + " lease " + name + " as " + holder +
                                   " with token " + std::to_string(token) + ": it is now " + Describe(*current));
  }
  return OkStatus();
}

}  // namespace

Status ValidateLeaseName(const std::string& name) { return ValidateLeaseText("lease name", name); }

Status ValidateLeaseHolder(const std::string& holder) { return ValidateLeaseText("lease holder", holder); }

Status ValidateLeaseDuration(Duration duration) {
  if (duration < std::chrono::milliseconds(1) || duration > std::chrono::hours(24 * 366)) {
    return InvalidArgumentError("lease duration must be between 1 ms and a year");
  }
  return OkStatus();
}

Result<LeaseChange> DecideAcquire(const std::optional<Lease>& current, const std::string& name,
                                  const std::string& holder, Duration duration, WallTime now) {
  KELOLA_RETURN_IF_ERROR(ValidateLeaseName(name));
  KELOLA_RETURN_IF_ERROR(ValidateLeaseHolder(holder));
  KELOLA_RETURN_IF_ERROR(ValidateLeaseDuration(duration));
  const WallTime expires = TruncateToMillis(now + duration);
  const bool live = current.has_value() && !current->holder.empty() && current->expires_at > now;
  LeaseChange change;
  if (live && current->holder == holder) {
    change.lease = *current;  // still ours: extend, same token
  } else if (live) {
    return AbortedError(Describe(*current) + " is held until " + FormatRfc3339(current->expires_at));
  } else {
    // Free, released or expired: a new term, so a new token, even for the
    // previous holder (its writes from the old term must not commit).
    change.lease.name = name;
    change.lease.holder = holder;
    change.lease.token = current.has_value() ? current->token + 1 : 1;
    change.lease.acquired_at = now;
    change.changed_hands = true;
  }
  change.lease.renewed_at = now;
  change.lease.expires_at = expires;
  return change;
}

Result<Lease> DecideRenew(const std::optional<Lease>& current, const std::string& name, const std::string& holder,
                          int64_t token, Duration duration, WallTime now) {
  KELOLA_RETURN_IF_ERROR(ValidateLeaseName(name));
  KELOLA_RETURN_IF_ERROR(ValidateLeaseHolder(holder));
  KELOLA_RETURN_IF_ERROR(ValidateLeaseDuration(duration));
  KELOLA_RETURN_IF_ERROR(CheckHolder(current, name, holder, token, "renew"));
  Lease lease = *current;
  lease.renewed_at = now;
  lease.expires_at = TruncateToMillis(now + duration);
  return lease;
}

Result<Lease> DecideRelease(const std::optional<Lease>& current, const std::string& name, const std::string& holder,
                            int64_t token, WallTime now) {
  KELOLA_RETURN_IF_ERROR(ValidateLeaseName(name));
  KELOLA_RETURN_IF_ERROR(ValidateLeaseHolder(holder));
  KELOLA_RETURN_IF_ERROR(CheckHolder(current, name, holder, token, "release"));
  Lease lease = *current;
  lease.holder.clear();
  lease.expires_at = now;
  return lease;
}

Status CheckFence(const std::optional<Lease>& current, const LeaseFence& fence) {
  KELOLA_RETURN_IF_ERROR(ValidateLeaseName(fence.lease));
  if (!current.has_value()) {
    return FailedPreconditionError("write fenced by lease " + fence.lease + " refused: the lease does not exist");
  }
  if (current->holder.empty() || current->token != fence.token) {
    return FailedPreconditionError("write fenced by lease " + fence.lease + " token " + std::to_string(fence.token) +
                                   " refused: it is now " + Describe(*current) +
                                   "; the writer is no longer the leader");
  }
  return OkStatus();
}

Event LeaseEvent(const std::string& type, const Lease& lease) {
  Event event;
  event.type = type;
  event.subject = "lease/" + lease.name;
  event.actor = lease.holder.empty() ? std::string("system") : lease.holder;
  nlohmann::json data = {{"lease", lease.name}, {"holder", lease.holder}, {"token", lease.token}};
  event.data_json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return event;
}

}  // namespace kelola
