// Engine objects: what the Docker Engine API says about a container or a
// network, decoded from its JSON answers (inspect and list) into values.
//
// ParseContainerInspect: GET /containers/{id}/json. ParseContainerList: GET
// /containers/json (a list entry has no start/finish times nor exit code
// field; the exit code is read from its Status text "Exited (137) 2 minutes
// ago"). ParseNetworkInspect / ParseNetworkList: GET /networks/{id}, GET
// /networks. Unknown fields are ignored; a missing Id, or a document of the
// wrong shape, is InvalidArgument naming what is wrong (the engine's
// answers are outside input: fuzzed by fuzz/docker_engine_objects_fuzz.cc).
// Pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola::docker {

struct ContainerInfo {
  std::string id;
  std::string name;   // without the leading "/"
  std::string image;  // as given at create (Config.Image / Image)
  std::map<std::string, std::string> labels;
  std::string state;  // created | running | paused | restarting | removing | exited | dead
  int exit_code = 0;
  bool oom_killed = false;
  WallTime created{};
  WallTime started{};  // zero until started
  // Address per network name ("" when not attached or not running).
  std::map<std::string, std::string> ip_addresses;
  std::string hostname;
  int64_t nano_cpus = 0;
  int64_t memory_bytes = 0;
};

struct NetworkInfo {
  std::string id;
  std::string name;
  std::string driver;
  std::map<std::string, std::string> labels;
  std::vector<std::string> subnets;   // IPAM.Config[].Subnet
  std::vector<std::string> gateways;  // IPAM.Config[].Gateway
  size_t containers = 0;              // attached endpoints (inspect only)
};

Result<ContainerInfo> ParseContainerInspect(std::string_view json_text);
Result<std::vector<ContainerInfo>> ParseContainerList(std::string_view json_text);
Result<NetworkInfo> ParseNetworkInspect(std::string_view json_text);
Result<std::vector<NetworkInfo>> ParseNetworkList(std::string_view json_text);

// Docker's timestamps: RFC 3339 with up to nanoseconds, "Z" or an offset.
// "0001-01-01T00:00:00Z" (never) is the zero WallTime.
Result<WallTime> ParseEngineTime(std::string_view text);

}  // namespace kelola::docker
