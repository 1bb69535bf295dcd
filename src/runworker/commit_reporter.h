// CommitReporter: posts a run's state to its commit on GitHub or GitLab
// (pending when it starts, success/failure/error at the end) with a link to
// the run, through the forge clients of src/integrations. A Pipeline
// without `tokenSecret` reports nothing. A post that fails is retried a few
// times when the forge is unavailable, then logged; it never fails the run.
// Thread-safety: Report() may be called from several threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "pipeline/forge.h"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run.h"

namespace kelola {

using SecretResolver = std::function<Result<std::string>(const std::string& name)>;
// A Forge client for a pipeline and its API token.
using ForgeFactory = std::function<std::unique_ptr<Forge>(const PipelineSpec& pipeline, const std::string& token)>;

// GitHubClient or GitLabClient by `pipeline.forge`, at `pipeline.api_url`.
std::unique_ptr<Forge> MakeForgeClient(const PipelineSpec& pipeline, const std::string& token);

class CommitReporter {
 public:
  // `external_url` is how people reach the server ("https://ci.example.com"):
  // the link is EXTERNAL_URL/v1/runs/ID.
  CommitReporter(SecretResolver secrets, ForgeFactory forges, std::string external_url)
      : secrets_(std::move(secrets)), forges_(std::move(forges)), external_url_(std::move(external_url)) {}

  std::string RunUrl(const std::string& run_id) const;
  // OK when posted or when the pipeline reports nothing.
  Status Report(const PipelineSpec& pipeline, const Run& run, CommitState state, const std::string& description);

 private:
  SecretResolver secrets_;
  ForgeFactory forges_;
  std::string external_url_;
};

}  // namespace kelola
