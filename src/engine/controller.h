// Reconciler: what a controller implements, and the key format it receives.
//
// Controllers are level-triggered: Reconcile(key) reads the wanted state of
// the resource named by `key` from the Store and the observed state from the
// outside world, and acts to bring them together. It must be idempotent and
// must not assume why it was called (a change, a resync, a retry or a
// restart all look the same); a resource that no longer exists is reported
// by the Store as NotFound and usually means "clean up".
//
// Keys are "Kind/name", the subject of the Store's change events
// ("resource.created|updated|deleted"), so one controller may watch several
// kinds without ambiguity. ParseResourceKey() splits one.
//
// Outcome handling by ControllerManager:
// - error Status: the key is retried with per-key exponential backoff, the
//   code only decides how it is logged (a controller whose input is wrong
//   today may find it fixed tomorrow, as in controller-runtime);
// - success: the backoff is reset, and the key is reconciled again after
//   `requeue_after` if set (polling external state).
//
// Thread-safety: a reconciler is called for one key at a time per key, but
// for different keys concurrently when the controller has several workers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

struct ReconcileResult {
  std::optional<Duration> requeue_after;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual Result<ReconcileResult> Reconcile(const std::string& key) = 0;
};

struct ResourceKeyParts {
  std::string kind;
  std::string name;
};

// "Host", "web-1" -> "Host/web-1".
std::string ResourceKey(std::string_view kind, std::string_view name);
// Splits at the first '/': kinds never hold one, names may. InvalidArgument
// when there is no '/' or either part is empty.
Result<ResourceKeyParts> ParseResourceKey(std::string_view key);

}  // namespace kelola
