// The ScalingPolicy routes that do more than store a document
// (docs/autoscaling.md):
//
//   PUT /v1/scaling-policies/{name}       create or update, after the
//       schema and the decoder (DecodeScalingPolicySpec) two more checks,
//       each a 400 naming the field: spec.group must name a stored
//       ServerGroup, and the metric (spec.targetTracking.metric or
//       spec.stepScaling.metric) must be a series the embedded store gets
//       from the agents (src/autoscale/host_metric_names.h); then stored
//       like any resource (the status, the autoscaler's memory, is kept).
//   GET /v1/server-groups/{name}/scaling  the autoscaler's view of a group
//       (viewer): its policies with their last evaluation, and the latest
//       decision with its explanation — what `kelola scale explain` prints.
//
// GET, list and DELETE of policies stay on the generic routes.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterScalingPolicyRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
