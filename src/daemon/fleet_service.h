// FleetService: the fleet wired into `kelola server` — the provider registry
// (docker, aws, static) built from the server config, and the two
// leader-elected controllers: `fleet-groups` (src/fleet/group_controller.h)
// and `fleet-hosts` (src/fleet/host_controller.h). The one place where the
// fleet domain meets its provider integrations.
//
// Thread-safety: Register() once, before the ControllerManager starts.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "engine/controller_manager.h"
#include "fleet/provider.h"
#include "ssh/fleet_inventory.h"
#include "store/store.h"

namespace kelola {

struct FleetServiceOptions {
  std::string data_dir;  // DATA_DIR: fleet/ scratch files, known_hosts
  std::string docker_socket = "/var/run/docker.sock";
  bool docker_mount_engine_socket = false;  // docker hosts get that engine (deploy tests and demos)
  std::string aws_endpoint;                 // "" = the region's public endpoint; moto in tests
  std::string aws_profile;                  // "" = AWS_PROFILE or "default"
  std::string aws_credentials_file;         // "" = AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
  std::string aws_region;                   // default region for groups that name none
};

class FleetService {
 public:
  FleetService(Store& store, Clock& clock, SecretResolver resolver, FleetServiceOptions options);
  Status Register(ControllerManager& manager);
  const FleetProviderRegistry& providers() const { return *providers_; }

 private:
  Store& store_;
  Clock& clock_;
  SecretResolver resolver_;
  FleetServiceOptions options_;
  std::shared_ptr<FleetProviderRegistry> providers_;
};

}  // namespace kelola
