// The declared keys of a `pagerduty` receiver and the notifier built from
// them (with the common receiver keys of integrations/notifier_registry.h).
#pragma once

#include <memory>

#include "alerting/alert.h"
#include "base/clock.h"
#include "base/config.h"

namespace kelola {

const ConfigSchema& PagerDutyReceiverSchema();
Result<std::unique_ptr<Notifier>> MakePagerDutyNotifierFromConfig(const Config& config, Clock& clock);

}  // namespace kelola
