#include "runworker/run_service.h"

#include <unistd.h>

#include <filesystem>

#include "integrations/git/git_checkout.h"
#include "runner/subprocess_step_executor.h"
#include "runworker/docker_backend.h"

namespace kelola {

struct RunService::Parts {
  Parts(Store& store, Clock& clock, SecretResolver secrets, RunServiceOptions o)
      : options(std::move(o)),
        checkout(git::GitCheckoutOptions{}, clock),
        host_steps(clock),
        reporter(secrets, MakeForgeClient, options.external_url),
        env{store,
            clock,
            checkout,
            host_steps,
            [this] { return docker.ContainerSteps(); },
            [this] { return docker.Images(); },
            std::move(secrets),
            reporter,
            options.data_dir + "/runs/work",
            RunService::LogsDir(options.data_dir),
            RunService::ArtifactsDir(options.data_dir)},
        worker(env, RunWorkerOptions{.replica = options.replica,
                                     .max_concurrent = options.max_concurrent,
                                     .stale_after = options.stale_after}) {}

  RunServiceOptions options;
  git::GitCheckout checkout;
  SubprocessStepExecutor host_steps;
  DockerBackend docker;
  CommitReporter reporter;
  RunEnvironment env;
  RunWorker worker;
};

RunService::RunService(Store& store, Clock& clock, SecretResolver secrets, RunServiceOptions options)
    : parts_(std::make_unique<Parts>(store, clock, std::move(secrets), std::move(options))) {}

RunService::~RunService() { Stop(); }

Status RunService::Start() { return parts_->worker.Start(); }
void RunService::Stop() { parts_->worker.Stop(); }

std::string StableReplicaName(const std::string& data_dir) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof(host), "kelola");
  std::error_code ec;
  auto abs = std::filesystem::weakly_canonical(data_dir, ec);
  return std::string(host) + ":" + (ec ? data_dir : abs.string());
}

}  // namespace kelola
