// DeliveryReconciler: GitHub never retries a webhook it failed to deliver,
// so this controller asks for the missed ones again.
//
// For each Pipeline with forge github, a hookId and a tokenSecret it lists
// the hook's recent deliveries (newest first, page by page, back to
// `lookback` — GitHub keeps three days), and for every delivery guid that
// never got a 2xx answer, is not in kelola's inbox and has had fewer than
// `max_attempts` attempts, requests a redelivery of its latest attempt
// (at most `max_redeliveries` per pass). Each request appends a
// "webhook.redelivery.requested" event. Then it polls again after `poll`.
// Before each request it confirms it still leads (Store::ConfirmLeadership:
// the lease's fencing token), since GitHub cannot check a fence itself.
//
// Leader-elected like every controller; the decision (MissedDeliveries) is
// a pure function tested on its own.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "engine/controller.h"
#include "engine/controller_manager.h"
#include "integrations/github/github_client.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kDeliveryControllerName = "github-deliveries";

struct DeliveryReconcilerOptions {
  Duration poll = std::chrono::minutes(5);
  Duration lookback = std::chrono::hours(72);
  int max_pages = 20;
  int max_redeliveries = 20;
  int max_attempts = 3;
  HttpClientOptions http;
};

// The latest attempt of every guid to redeliver, oldest event first.
// `in_inbox(guid)` tells whether kelola already has the delivery.
std::vector<HookDelivery> MissedDeliveries(const std::vector<HookDelivery>& deliveries,
                                           const std::function<bool(const std::string&)>& in_inbox, int max_attempts);

using SecretResolver = std::function<Result<std::string>(const std::string& name)>;

class DeliveryReconciler final : public Reconciler {
 public:
  DeliveryReconciler(Store& store, Clock& clock, SecretResolver secrets, DeliveryReconcilerOptions options)
      : store_(store), clock_(clock), secrets_(std::move(secrets)), options_(std::move(options)) {}
  // `key` is "Pipeline/NAME".
  Result<ReconcileResult> Reconcile(const std::string& key) override;

 private:
  Store& store_;
  Clock& clock_;
  SecretResolver secrets_;
  DeliveryReconcilerOptions options_;
};

Status RegisterDeliveryReconciler(ControllerManager& manager, Clock& clock, SecretResolver secrets,
                                  DeliveryReconcilerOptions options = {});

}  // namespace kelola
