// AgentDaemon: `kelola agent` assembled: the HTTP batch sender, the LogAgent
// pipeline on a thread of its own, and the agent's /metrics endpoint.
// Start() returns once the pipeline runs and /metrics serves; Stop() stops
// the pipeline (saving checkpoints) and the endpoint. Not copyable; Start and
// Stop from one thread.
#pragma once

#include <memory>

#include "agent/agent_config.h"
#include "base/status.h"

namespace kelola {

class AgentDaemon {
 public:
  explicit AgentDaemon(AgentOptions options);
  ~AgentDaemon();  // calls Stop()
  Status Start();
  // The port /metrics listens on (0 when metrics_listen is empty).
  uint16_t metrics_port() const;
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
