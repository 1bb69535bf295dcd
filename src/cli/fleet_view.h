// FleetView: what the `kelola fleet` verbs show, computed from the API's
// JSON (a ServerGroup resource and its Host resources) — pure, so the
// progress and the tables are tested without a server.
//
//   web: 2/3 Ready, 1 Bootstrapping          (FormatGroupProgress)
//
// A group has converged when the controller has seen its latest generation
// (status.observedGeneration, when it writes one), exactly `count` hosts
// exist, all Ready and on the spec's image and size. It has failed when
// nothing is in progress any more (no host Requested, Launching, Booted,
// Bootstrapping, Draining or Terminating) yet some host is Failed, or when
// the controller found the spec Invalid.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace kelola {

// One fleet Host resource, flattened from metadata.labels and status.
struct FleetHostRow {
  std::string name;
  std::string group;
  std::string state;  // "Ready", ...; "Requested" when the status says nothing yet
  std::string address;
  std::string provider_id;
  std::string since;  // RFC 3339, "" when unknown
  std::string reason;
  std::string image;
  std::string size;
};

FleetHostRow FleetHostRowFrom(const nlohmann::json& host_resource);
std::vector<FleetHostRow> FleetHostRowsFrom(const nlohmann::json& host_items);

struct GroupProgress {
  std::string group;
  int wanted = 0;
  int ready = 0;    // Ready hosts, outdated ones included
  int current = 0;  // Ready hosts on the spec's image and size
  std::map<std::string, int> by_state;
  bool destroying = false;
  bool converged = false;
  bool failed = false;  // settled with Failed hosts, or the spec is Invalid
  // The group controller's status.phase (Converging, Ready, Destroying,
  // Invalid, Error) and reason; "" before it wrote any.
  std::string phase;
  std::string reason;
};

// `group` is the ServerGroup resource; `hosts` its hosts.
GroupProgress SummarizeGroup(const nlohmann::json& group, const std::vector<FleetHostRow>& hosts);

// "web: 2/3 Ready, 1 Bootstrapping"; "web: destroying, 2 hosts left (2 Terminating)".
std::string FormatGroupProgress(const GroupProgress& progress);

// A compact age like kubectl's: "45s", "12m", "3h", "5d"; "" for an
// unparsable or empty time.
std::string FormatAge(const std::string& rfc3339, WallTime now);

// The human summary lines of a ServerGroup's spec for `kelola fleet describe`.
std::vector<std::pair<std::string, std::string>> DescribeGroupSpec(const nlohmann::json& group);

}  // namespace kelola
