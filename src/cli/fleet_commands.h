// The pieces shared by the `kelola fleet` verbs (fleet_commands.cc:
// plan, apply, destroy; fleet_view_commands.cc: get, hosts, describe).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/fleet_view.h"

namespace CLI {
class App;
}

namespace kelola {

// Registers get, hosts and describe on the `fleet` subcommand.
void AddFleetViewCommands(CLI::App& fleet, const GlobalFlags& flags, int& exit_code);

// The fleet's Host resources (every page): those of `group`, or of every
// group when it is "".
Result<std::vector<FleetHostRow>> ListFleetHosts(ApiClient& client, const std::string& group);

}  // namespace kelola
