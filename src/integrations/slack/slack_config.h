// The declared keys of a `slack` receiver and the notifier built from them
// (with the common receiver keys of integrations/notifier_registry.h).
#pragma once

#include <memory>

#include "alerting/alert.h"
#include "base/clock.h"
#include "base/config.h"

namespace kelola {

const ConfigSchema& SlackReceiverSchema();
Result<std::unique_ptr<Notifier>> MakeSlackNotifierFromConfig(const Config& config, Clock& clock);

}  // namespace kelola
