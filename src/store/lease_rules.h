// Lease rules: what TryAcquireLease, RenewLease, ReleaseLease and a fenced
// write decide, given the lease as stored and the time, as pure functions
// shared by every Store backend (each backend only reads and writes the row
// in one transaction around them). The contract is in store.h.
//
// Thread-safety: pure functions. Errors: InvalidArgument for bad arguments,
// Aborted when another holder has the lease, FailedPrecondition when the
// caller's token is no longer current, NotFound when the lease never existed.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

// Names and holders: 1..253 printable ASCII characters without spaces,
// quotes or backslashes ('/' is allowed: "controller/hosts").
Status ValidateLeaseName(const std::string& name);
Status ValidateLeaseHolder(const std::string& holder);
// At least 1 ms, at most a year.
Status ValidateLeaseDuration(Duration duration);

struct LeaseChange {
  Lease lease;                 // the row to store
  bool changed_hands = false;  // a new token: append "lease.acquired"
};

// `current` is the stored lease, or nullopt when none exists yet; `now` the
// store's clock, truncated to the millisecond by the caller.
Result<LeaseChange> DecideAcquire(const std::optional<Lease>& current, const std::string& name,
                                  const std::string& holder, Duration duration, WallTime now);
Result<Lease> DecideRenew(const std::optional<Lease>& current, const std::string& name, const std::string& holder,
                          int64_t token, Duration duration, WallTime now);
Result<Lease> DecideRelease(const std::optional<Lease>& current, const std::string& name, const std::string& holder,
                            int64_t token, WallTime now);
// A write carrying `fence` may commit only if this returns OK.
Status CheckFence(const std::optional<Lease>& current, const LeaseFence& fence);

// The event appended when a lease changes hands or is released (id and time
// are assigned by the store).
Event LeaseEvent(const std::string& type, const Lease& lease);

// Milliseconds, the precision at which stores keep times.
inline WallTime TruncateToMillis(WallTime t) { return WallTime(std::chrono::milliseconds(UnixMillis(t))); }

}  // namespace kelola
