// HostEngine: one fleet host as a dockerhosts deploy reaches it, Kamal's
// way — an SSH session for commands and files (the proxy, health checks)
// and the host's Docker engine through SSH: a second session forwarding
// the host's /var/run/docker.sock (ssh/unix_socket_forward.h) to a local
// unix socket that DockerClient speaks HTTP over. Nothing listens on the
// network for the engine; the SSH host key is verified as everywhere.
// Errors: Unavailable "host web-1: unreachable over SSH (root@10.0.0.5:22):
// ..." (codes of SshSession::Connect kept: PermissionDenied for a refused
// host key, Unauthenticated), Unavailable naming the engine socket when
// the host has no engine there.
// Thread-safety: one thread at a time per HostEngine.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/status.h"
#include "integrations/docker/docker_client.h"
#include "ssh/fleet_inventory.h"
#include "ssh/ssh_session.h"
#include "ssh/unix_socket_forward.h"

namespace kelola::docker {

struct HostEngineOptions {
  std::string remote_socket = "/var/run/docker.sock";
  std::chrono::milliseconds request_timeout{std::chrono::seconds(120)};  // pulls included
};

class HostEngine {
 public:
  static Result<std::unique_ptr<HostEngine>> Connect(const FleetInventory& inventory, const FleetHost& host,
                                                     const SecretResolver& resolver,
                                                     const HostEngineOptions& options = {});

  const std::string& host() const { return host_; }
  // The login user is not root: proxy commands and files go through sudo.
  bool needs_sudo() const { return needs_sudo_; }
  SshSession& ssh() { return *ssh_; }
  DockerClient& docker() { return *docker_; }

 private:
  HostEngine() = default;
  std::string host_;
  bool needs_sudo_ = false;
  std::unique_ptr<SshSession> ssh_;
  std::unique_ptr<UnixSocketForward> forward_;
  std::unique_ptr<DockerClient> docker_;  // declared last: closed before the forward
};

}  // namespace kelola::docker
