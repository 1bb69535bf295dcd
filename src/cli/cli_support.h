// Shared plumbing of the client verbs: the ApiClient built from the global
// flags, and the output format.
#pragma once

#include <memory>

#include "base/status.h"
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace kelola {

Result<std::unique_ptr<ApiClient>> MakeApiClient(const GlobalFlags& flags);

}  // namespace kelola
