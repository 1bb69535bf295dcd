// Host batches of a dockerhosts rollout: the matching hosts, in rollout
// order, cut into rolling batches by a Target's `batch` ("1", "3", "34%"),
// sized by deploy/target.h's BatchSize. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kelola::docker {

// The hosts in batches of BatchSize, order kept; the last batch may be
// smaller. No hosts: no batches. A bad batch ("0", "150%", "abc") is
// InvalidArgument naming spec.dockerhosts.batch.
Result<std::vector<std::vector<std::string>>> PlanHostBatches(const std::string& batch,
                                                              const std::vector<std::string>& hosts);

}  // namespace kelola::docker
