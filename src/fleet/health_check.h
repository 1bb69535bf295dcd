// HealthChecker: is one fleet host healthy right now? The group's
// spec.healthCheck says how to ask: a TCP connect to address:port, an HTTP
// GET of http://address:port/path answered with a 2xx, or a command run on
// the host over SSH that exits 0.
//
// The host controller (host_controller.h) calls Check() once per
// healthCheck.interval for each Ready host and counts failures in a row;
// this file only answers one check. Unit tests of the controller use a fake
// checker; NetworkHealthChecker is the real one.
//
// Thread-safety: Check() may be called from several threads at once.
// Errors: OK = healthy. Any other Status is "unhealthy" and its message says
// why in words an operator reads in `kelola fleet describe` ("http
// 127.0.0.1:8080/healthz: HTTP 503", "tcp 10.0.0.5:80: connection refused",
// "command `test -f /ready` exited 1: ..."). A check never takes longer than
// the spec's timeout (plus an SSH connect for command checks, bounded by the
// same timeout).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "fleet/server_group.h"
#include "ssh/fleet_inventory.h"
#include "store/store.h"

namespace kelola {

class HealthChecker {
 public:
  virtual ~HealthChecker() = default;
  // `host` is the Host resource: spec.address is where TCP/HTTP checks go,
  // and its spec (port, user, credentials, hostKey) is the SSH login of a
  // command check. A spec of kind kNone is always healthy.
  virtual Status Check(const HealthCheckSpec& spec, const Resource& host) = 0;
};

// The individual checks, for tests and other callers.
Status CheckTcp(const std::string& address, int port, Duration timeout);
Status CheckHttp(const std::string& address, int port, const std::string& path, Duration timeout);

struct NetworkHealthCheckerOptions {
  // Resolves the Host's credentials.sshKeySecret for command checks.
  SecretResolver resolver;
  // For command checks of hosts without spec.hostKey (strict). The host
  // controller records spec.hostKey during bootstrap, so this is rarely used.
  std::string known_hosts_path;
};

class NetworkHealthChecker final : public HealthChecker {
 public:
  explicit NetworkHealthChecker(NetworkHealthCheckerOptions options);
  Status Check(const HealthCheckSpec& spec, const Resource& host) override;

 private:
  Status CheckCommand(const HealthCheckSpec& spec, const Resource& host);
  NetworkHealthCheckerOptions options_;
};

}  // namespace kelola
