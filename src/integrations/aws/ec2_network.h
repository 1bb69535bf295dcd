// The network of an EC2 server group: a VPC, one subnet per CIDR (public IP
// on launch), an internet gateway attached to the VPC, a route table with a
// 0.0.0.0/0 route to the gateway associated with every subnet, and a
// security group with the group's ingress rules. Every piece is tagged
// kelola:group=<group>, kelola:managed-by=<managed_by> and Name.
//
// EnsureEc2Network re-finds each piece by those tags before creating it, so
// a second call (or one after a crash half-way) creates only what is
// missing; the security group's ingress rules are converged to the spec
// (missing ones authorized, dropped ones revoked). DeleteEc2Network removes what carries the tags, in dependency
// order, and nothing else; "already gone" is fine. Thread-safe as Ec2Client.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "fleet/provider.h"
#include "fleet/server_group.h"
#include "integrations/aws/ec2_client.h"

namespace kelola {

struct Ec2NetworkPlan {
  std::string group;
  std::string managed_by = "kelola";
  std::string vpc_cidr;
  std::vector<std::string> subnet_cidrs;  // at least one
  std::string zone;                       // "" = EC2's choice
  std::vector<Ec2IngressRule> ingress;
};

// The plan of a spec: an empty VPC CIDR becomes `default_vpc_cidr`, no
// subnets one subnet spanning the VPC, firewall protocol "all" becomes -1.
Ec2NetworkPlan PlanEc2Network(const ServerGroupSpec& spec, const std::string& managed_by,
                              const std::string& default_vpc_cidr);

// GroupNetwork roles: "vpc", "subnet", "subnet-1"..., "internetGateway",
// "routeTable", "securityGroup".
Result<GroupNetwork> EnsureEc2Network(Ec2Client& ec2, const Ec2NetworkPlan& plan);

// `retry_window`: how long a DependencyViolation (ENIs of just-terminated
// instances) is retried; `sleep` waits between tries.
Status DeleteEc2Network(Ec2Client& ec2, const std::string& group, const std::string& managed_by, Duration retry_window,
                        const std::function<void(Duration)>& sleep);

// The two tag filters every lookup uses.
std::vector<Ec2Filter> GroupTagFilters(const std::string& group, const std::string& managed_by);

}  // namespace kelola
