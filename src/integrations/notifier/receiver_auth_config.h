// The auth keys shared by the `webhook` and `alertmanager` receivers:
// bearer_token, basic_auth.username, basic_auth.password, headers.
#pragma once

#include "base/config.h"
#include "integrations/notifier/receiver_auth.h"

namespace kelola {

void AddReceiverAuthKeys(ConfigSchema& schema);
ReceiverAuth ReceiverAuthFromConfig(const Config& config);

}  // namespace kelola
