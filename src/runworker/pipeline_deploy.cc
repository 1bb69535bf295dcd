#include "runworker/pipeline_deploy.h"

namespace kelola {

Result<StoredRelease> DeployRunImage(Store& store, const PipelineSpec& pipeline, const Run& run) {
  if (pipeline.deploy_target.empty()) return FailedPreconditionError("pipeline " + pipeline.name + ": no deployTarget");
  if (run.images.empty()) {
    return FailedPreconditionError("deploy to " + pipeline.deploy_target +
                                   ": the run pushed no image (add a push step to .kelola.yml)");
  }
  const RunImage& image = run.images.back();
  DeployRequest req;
  req.target = pipeline.deploy_target;
  req.image = image.reference;
  req.image_digest = image.pinned;
  req.commit = run.sha;
  req.force = pipeline.deploy_force;
  req.trigger = {"pipeline", "Pipeline/" + pipeline.name, run.id};
  return RequestDeploy(store, req, "pipeline/" + pipeline.name);
}

}  // namespace kelola
