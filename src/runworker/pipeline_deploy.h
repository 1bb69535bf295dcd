// PipelineDeploy: a pipeline's deploy step — after a run whose steps all
// succeeded, the image it pushed goes to the Pipeline's `deployTarget`
// through the same RequestDeploy as `POST /v1/targets/{name}/deploy`
// (src/deploy/release_requests.h), with trigger kind "pipeline", by
// "Pipeline/<name>" and the run id. The image is the last one the run pushed,
// by its pushed digest (no second registry lookup).
//
// A commit whose earlier release of the target was rolled back (marked bad)
// is not deployed again unless the Pipeline says `deployForce: true`: the
// request is refused (Aborted naming the release) and the run says so.
// Errors: FailedPrecondition when the run pushed no image; RequestDeploy's.
#pragma once

#include <string>

#include "base/status.h"
#include "deploy/release_requests.h"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run.h"
#include "store/store.h"

namespace kelola {

// The release made (Pending), for a pipeline with a deploy target.
Result<StoredRelease> DeployRunImage(Store& store, const PipelineSpec& pipeline, const Run& run);

}  // namespace kelola
