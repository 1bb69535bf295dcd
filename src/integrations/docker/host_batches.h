// Host batches of a dockerhosts rollout: the matching hosts, in rollout
// order, cut into rolling batches by a Target's `batch` ("1", "3", "34%":
// a share of the hosts rounded up, at least 1 — the semantics of
// deploy/target.h's BatchSize). Pure functions.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kelola::docker {

// Hosts per batch for `host_count` hosts. InvalidArgument naming
// spec.dockerhosts.batch for "", "0", "-1", "abc", "0%", "150%".
Result<int> HostBatchSize(const std::string& batch, int host_count);

// The hosts in batches of HostBatchSize, order kept; the last batch may be
// smaller. No hosts: no batches.
Result<std::vector<std::vector<std::string>>> PlanHostBatches(const std::string& batch,
                                                              const std::vector<std::string>& hosts);

}  // namespace kelola::docker
