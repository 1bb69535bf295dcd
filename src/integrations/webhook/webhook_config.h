// The declared keys of a `webhook` receiver and the notifier built from them
// (with the common receiver keys of integrations/notifier_registry.h).
#pragma once

#include <memory>

#include "alerting/alert.h"
#include "base/clock.h"
#include "base/config.h"

namespace kelola {

const ConfigSchema& WebhookReceiverSchema();
Result<std::unique_ptr<Notifier>> MakeWebhookNotifierFromConfig(const Config& config, Clock& clock);

}  // namespace kelola
