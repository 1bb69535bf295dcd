#include "daemon/fleet_service.h"

#include "fleet/group_controller.h"
#include "fleet/host_controller.h"
#include "fleet/static_provider.h"
#include "integrations/aws/ec2_fleet_provider.h"
#include "integrations/docker/docker_fleet_provider.h"

namespace kelola {

FleetService::FleetService(Store& store, Clock& clock, SecretResolver resolver, FleetServiceOptions options)
    : store_(store),
      clock_(clock),
      resolver_(std::move(resolver)),
      options_(std::move(options)),
      providers_(std::make_shared<FleetProviderRegistry>()) {
  providers_->Add(std::make_shared<StaticProvider>(store_));
  docker::DockerFleetProviderOptions docker;
  docker.socket_path = options_.docker_socket;
  docker.mount_engine_socket = options_.docker_mount_engine_socket;
  docker.resolve_secret = resolver_;
  providers_->Add(std::make_shared<docker::DockerFleetProvider>(docker));
  Ec2ProviderOptions aws;
  aws.endpoint = options_.aws_endpoint;
  aws.profile = options_.aws_profile;
  aws.credentials_file = options_.aws_credentials_file;
  aws.default_region = options_.aws_region;
  providers_->Add(std::make_shared<Ec2FleetProvider>(aws));
}

Status FleetService::Register(ControllerManager& manager) {
  GroupControllerOptions groups;
  groups.providers = providers_.get();
  groups.clock = &clock_;
  KELOLA_RETURN_IF_ERROR(RegisterGroupController(manager, groups));
  HostControllerDeps hosts;
  hosts.providers = providers_;
  hosts.clock = &clock_;
  hosts.resolver = resolver_;
  hosts.work_dir = options_.data_dir + "/fleet";
  hosts.known_hosts_path = options_.data_dir + "/known_hosts";
  return RegisterHostController(manager, hosts);
}

}  // namespace kelola
