#include "integrations/docker/host_engine.h"

namespace kelola::docker {

Result<std::unique_ptr<HostEngine>> HostEngine::Connect(const FleetInventory& inventory, const FleetHost& host,
                                                        const SecretResolver& resolver,
                                                        const HostEngineOptions& options) {
  const std::string who = "host " + host.name;
  auto ssh_options = SshOptionsForHost(inventory, host, resolver);
  if (!ssh_options.ok()) return Status(ssh_options.status().code(), who + ": " + ssh_options.status().message());
  std::unique_ptr<HostEngine> engine(new HostEngine());
  engine->host_ = host.name;
  engine->needs_sudo_ = ssh_options->user != "root";
  auto connect = [&]() -> Result<std::unique_ptr<SshSession>> {
    auto session = SshSession::Connect(*ssh_options);
    if (!session.ok()) {
      return Status(session.status().code(), who + ": unreachable over SSH (" + ssh_options->user + "@" +
                                                 ssh_options->host + ":" + std::to_string(ssh_options->port) +
                                                 "): " + session.status().message());
    }
    return std::move(*session);
  };
  KELOLA_ASSIGN_OR_RETURN(engine->ssh_, connect());
  KELOLA_ASSIGN_OR_RETURN(std::unique_ptr<SshSession> tunnel, connect());
  auto forward = UnixSocketForward::Start(std::move(tunnel), options.remote_socket);
  if (!forward.ok()) {
    return Status(forward.status().code(),
                  who + ": no Docker engine reachable over SSH: " + forward.status().message());
  }
  engine->forward_ = std::move(*forward);
  DockerClientOptions docker_options;
  docker_options.socket_path = engine->forward_->socket_path();
  docker_options.request_timeout = options.request_timeout;
  auto docker = DockerClient::Connect(docker_options);
  if (!docker.ok()) {
    return Status(docker.status().code(), who + ": Docker engine at " + options.remote_socket +
                                              " does not answer over SSH: " + docker.status().message());
  }
  engine->docker_ = std::move(*docker);
  return engine;
}

}  // namespace kelola::docker
