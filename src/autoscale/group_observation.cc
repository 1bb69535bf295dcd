#include "autoscale/group_observation.h"

#include <algorithm>

#include "fleet/fleet_host.h"

namespace kelola {

GroupObservation ObserveGroup(const std::string& group, int current, const std::vector<Resource>& hosts) {
  GroupObservation g;
  g.group = group;
  g.current = current;
  for (const Resource& r : hosts) {
    auto label = r.labels.find(kFleetGroupLabel);
    if (label == r.labels.end() || label->second != group) continue;
    auto status = DecodeFleetHostStatus(r.status_json);
    if (!status.ok()) {
      g.hosts.push_back(ScalingHost{r.name, std::nullopt});  // not understood: counted, but not yet trusted
      continue;
    }
    if (!CountsTowardGroup(status->state)) continue;
    ScalingHost h{r.name, std::nullopt};
    if (status->state == HostState::kReady) h.ready_since = status->ready_at;
    g.hosts.push_back(std::move(h));
  }
  std::sort(g.hosts.begin(), g.hosts.end(), [](const ScalingHost& a, const ScalingHost& b) { return a.name < b.name; });
  return g;
}

Result<std::vector<Resource>> ListAll(Store& store, const ListOptions& options) {
  ListOptions o = options;
  if (o.limit <= 0) o.limit = 500;
  std::vector<Resource> out;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(ListResult page, store.ListResources(o));
    for (auto& r : page.items) out.push_back(std::move(r));
    if (page.next_after.empty()) return out;
    o.after_name = page.next_after;
  }
}

Result<GroupObservation> ObserveGroupInStore(Store& store, const std::string& group, int current) {
  ListOptions o;
  o.kind = "Host";
  o.selector = {LabelRequirement{kFleetGroupLabel, LabelRequirement::Op::kEquals, {group}}};
  KELOLA_ASSIGN_OR_RETURN(std::vector<Resource> hosts, ListAll(store, o));
  return ObserveGroup(group, current, hosts);
}

}  // namespace kelola
