// GroupObservation from the fleet: what the autoscaler sees of a ServerGroup.
//
// `current` is the group's spec.count (the HPA's currentReplicas: what was
// asked for, not what runs). The hosts are the group's fleet Host resources
// (label kelola.io/group) that count toward it (src/fleet/fleet_host.h:
// every state but Failed, Draining and Terminating), sorted by name; a host
// is Ready from its status' readyAt while its state is Ready, and warming
// (ready_since unset) in every state before that, so its metrics are
// ignored exactly like an unready pod's.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "scale/autoscaler.h"
#include "store/store.h"

namespace kelola {

// From already listed Host resources (hosts of other groups are skipped).
GroupObservation ObserveGroup(const std::string& group, int current, const std::vector<Resource>& hosts);

// Lists the group's Host resources (all pages) and observes them.
Result<GroupObservation> ObserveGroupInStore(Store& store, const std::string& group, int current);

// Every resource of `kind`, all pages.
Result<std::vector<Resource>> ListAll(Store& store, const ListOptions& options);

}  // namespace kelola
