// InboxConsumer: the controller that turns webhook inbox entries into
// queued runs. Registered with the ControllerManager (leader-elected like
// every controller): whatever key it is given, it drains the pending
// entries in arrival order.
//
// For each entry: parse the forge event; for every Pipeline the delivery
// authenticated for (the handler checked the signature with that
// pipeline's secret), decide the trigger (events, branch/tag/path globs)
// and queue a Run whose id derives from (source, delivery, pipeline), so a
// crash between queueing and marking the entry processed queues nothing
// twice; with cancel_previous, older runs of the branch are cancelled. The
// entry is then marked processed with what happened. A Store failure leaves
// the entry pending and fails the reconcile (retried with backoff). Each
// entry starts with Store::ConfirmLeadership(), since run and inbox writes
// carry no fence: a former leader that resumes after a pause stops there.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "engine/controller.h"
#include "engine/controller_manager.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kInboxControllerName = "pipeline-inbox";
// The key the daemon enqueues when a "webhook.received" event arrives.
inline constexpr const char* kInboxKey = "Inbox/pending";

class InboxConsumer final : public Reconciler {
 public:
  InboxConsumer(Store& store, Clock& clock) : store_(store), clock_(clock) {}
  Result<ReconcileResult> Reconcile(const std::string& key) override;
  // One entry: queues its runs and returns the outcome recorded with it.
  Result<std::string> Process(const InboxEntry& entry);

 private:
  Store& store_;
  Clock& clock_;
};

// Registers the consumer: it watches Pipeline changes, resyncs every
// `poll` (catching deliveries whose notification was missed) and is woken
// by Enqueue(kInboxControllerName, kInboxKey).
Status RegisterInboxConsumer(ControllerManager& manager, Clock& clock, Duration poll);

}  // namespace kelola
