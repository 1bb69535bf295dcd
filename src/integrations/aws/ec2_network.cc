#include "integrations/aws/ec2_network.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

namespace kelola {
namespace {

Ec2Tags NetworkTags(const Ec2NetworkPlan& plan, const std::string& role) {
  return {{kFleetGroupTag, plan.group},
          {kFleetManagedByTag, plan.managed_by},
          {"Name", "kelola-" + plan.group + "-" + role}};
}

std::vector<Ec2Filter> With(std::vector<Ec2Filter> filters, const std::string& name, const std::string& value) {
  filters.push_back({name, {value}});
  return filters;
}

// Several tagged copies can exist only after a create whose answer was lost
// and retried; the oldest-sorting id is used, the others are torn down with
// the group.
const Ec2Resource* First(const std::vector<Ec2Resource>& resources) {
  const Ec2Resource* first = nullptr;
  for (const auto& r : resources) {
    if (first == nullptr || r.id < first->id) first = &r;
  }
  return first;
}

std::string SubnetRole(size_t index) { return index == 0 ? "subnet" : "subnet-" + std::to_string(index); }

std::string RuleKey(const std::string& protocol, const std::string& from, const std::string& to,
                    const std::string& cidr) {
  if (protocol == "-1") return "-1||" + cidr;
  return protocol + "|" + from + "|" + to + "|" + cidr;
}

bool Ignorable(const Status& status) { return status.ok() || status.code() == StatusCode::kNotFound; }

// Runs `step` until it is not a DependencyViolation or the window closes.
Status WithDependencyRetry(const std::function<Status()>& step, Duration window,
                           const std::function<void(Duration)>& sleep) {
  const MonoTime deadline = SystemClock().Monotonic() + window;
  Duration delay = std::chrono::seconds(1);
  for (;;) {
    Status status = step();
    if (Ignorable(status)) return OkStatus();
    if (status.code() != StatusCode::kFailedPrecondition || SystemClock().Monotonic() + delay > deadline) {
      return status;
    }
    sleep(delay);
    delay = std::min<Duration>(delay * 2, std::chrono::seconds(15));
  }
}

}  // namespace

std::vector<Ec2Filter> GroupTagFilters(const std::string& group, const std::string& managed_by) {
  return {{std::string("tag:") + kFleetGroupTag, {group}}, {std::string("tag:") + kFleetManagedByTag, {managed_by}}};
}

Ec2NetworkPlan PlanEc2Network(const ServerGroupSpec& spec, const std::string& managed_by,
                              const std::string& default_vpc_cidr) {
  Ec2NetworkPlan plan;
  plan.group = spec.name;
  plan.managed_by = managed_by;
  plan.vpc_cidr = spec.network.vpc_cidr.empty() ? default_vpc_cidr : spec.network.vpc_cidr;
  plan.subnet_cidrs = spec.network.subnet_cidrs;
  if (plan.subnet_cidrs.empty()) plan.subnet_cidrs.push_back(plan.vpc_cidr);
  plan.zone = spec.zone;
  for (const auto& rule : spec.network.ingress) {
    Ec2IngressRule r;
    r.protocol = rule.protocol == "all" ? "-1" : rule.protocol;
    r.from_port = rule.from_port;
    r.to_port = rule.to_port;
    if (rule.protocol == "icmp") r.from_port = r.to_port = -1;  // every ICMP type and code
    r.cidr = rule.cidr;
    r.description = rule.description;
    plan.ingress.push_back(r);
  }
  return plan;
}

Result<GroupNetwork> EnsureEc2Network(Ec2Client& ec2, const Ec2NetworkPlan& plan) {
  const auto tags = GroupTagFilters(plan.group, plan.managed_by);
  GroupNetwork net;

  // VPC. A VPC made just now holds nothing yet, so the VPC-scoped lookups
  // below are skipped (fewer calls on a first apply).
  KELOLA_ASSIGN_OR_RETURN(auto vpcs, ec2.Describe(Ec2ResourceKind::kVpc, tags));
  bool fresh_vpc = false;
  std::string vpc;
  if (const Ec2Resource* found = First(vpcs)) {
    vpc = found->id;
  } else {
    KELOLA_ASSIGN_OR_RETURN(vpc, ec2.CreateVpc(plan.vpc_cidr, NetworkTags(plan, "vpc")));
    fresh_vpc = true;
  }
  net.ids["vpc"] = vpc;
  const auto in_vpc = With(tags, "vpc-id", vpc);

  // Subnets, matched by CIDR.
  std::vector<Ec2Resource> subnets;
  if (!fresh_vpc) {
    KELOLA_ASSIGN_OR_RETURN(subnets, ec2.Describe(Ec2ResourceKind::kSubnet, in_vpc));
  }
  std::vector<std::string> subnet_ids;
  for (size_t i = 0; i < plan.subnet_cidrs.size(); ++i) {
    std::string id;
    for (const auto& s : subnets) {
      if (s.fields.count("cidrBlock") && s.fields.at("cidrBlock") == plan.subnet_cidrs[i]) id = s.id;
    }
    if (id.empty()) {
      KELOLA_ASSIGN_OR_RETURN(id,
                              ec2.CreateSubnet(vpc, plan.subnet_cidrs[i], plan.zone, NetworkTags(plan, SubnetRole(i))));
      KELOLA_RETURN_IF_ERROR(ec2.EnableSubnetPublicIp(id));
    }
    net.ids[SubnetRole(i)] = id;
    subnet_ids.push_back(id);
  }

  // Internet gateway, attached to the VPC.
  KELOLA_ASSIGN_OR_RETURN(auto gateways, ec2.Describe(Ec2ResourceKind::kInternetGateway, tags));
  std::string gateway;
  bool attached = false;
  if (const Ec2Resource* found = First(gateways)) {
    gateway = found->id;
    if (auto it = found->sets.find("attachmentSet"); it != found->sets.end()) {
      for (const auto& a : it->second) attached |= a.count("vpcId") && a.at("vpcId") == vpc;
    }
  } else {
    KELOLA_ASSIGN_OR_RETURN(gateway, ec2.CreateInternetGateway(NetworkTags(plan, "igw")));
  }
  if (!attached) KELOLA_RETURN_IF_ERROR(ec2.AttachInternetGateway(gateway, vpc));
  net.ids["internetGateway"] = gateway;

  // Route table: default route to the gateway, associated with every subnet.
  std::vector<Ec2Resource> tables;
  if (!fresh_vpc) {
    KELOLA_ASSIGN_OR_RETURN(tables, ec2.Describe(Ec2ResourceKind::kRouteTable, in_vpc));
  }
  std::string table;
  bool has_route = false;
  std::set<std::string> associated;
  if (const Ec2Resource* found = First(tables)) {
    table = found->id;
    if (auto it = found->sets.find("routeSet"); it != found->sets.end()) {
      for (const auto& r : it->second) {
        has_route |= r.count("destinationCidrBlock") && r.at("destinationCidrBlock") == "0.0.0.0/0" &&
                     r.count("gatewayId") && r.at("gatewayId") == gateway;
      }
    }
    if (auto it = found->sets.find("associationSet"); it != found->sets.end()) {
      for (const auto& a : it->second) {
        if (a.count("subnetId")) associated.insert(a.at("subnetId"));
      }
    }
  } else {
    KELOLA_ASSIGN_OR_RETURN(table, ec2.CreateRouteTable(vpc, NetworkTags(plan, "rtb")));
  }
  if (!has_route) KELOLA_RETURN_IF_ERROR(ec2.CreateRoute(table, "0.0.0.0/0", gateway));
  for (const auto& subnet : subnet_ids) {
    if (!associated.count(subnet)) KELOLA_RETURN_IF_ERROR(ec2.AssociateRouteTable(table, subnet).status());
  }
  net.ids["routeTable"] = table;

  // Security group with the wanted ingress rules (missing ones added).
  std::vector<Ec2Resource> groups;
  if (!fresh_vpc) {
    KELOLA_ASSIGN_OR_RETURN(groups, ec2.Describe(Ec2ResourceKind::kSecurityGroup, in_vpc));
  }
  std::string group_id;
  std::map<std::string, Ec2IngressRule> have;  // by RuleKey
  if (const Ec2Resource* found = First(groups)) {
    group_id = found->id;
    if (auto it = found->sets.find("ipPermissions"); it != found->sets.end()) {
      for (const auto& p : it->second) {
        auto get = [&p](const char* k) { return p.count(k) ? p.at(k) : std::string(); };
        Ec2IngressRule rule;
        rule.protocol = get("ipProtocol");
        rule.from_port = std::atoi(get("fromPort").c_str());
        rule.to_port = std::atoi(get("toPort").c_str());
        rule.cidr = get("cidrIp");
        have[RuleKey(rule.protocol, get("fromPort"), get("toPort"), rule.cidr)] = rule;
      }
    }
  } else {
    KELOLA_ASSIGN_OR_RETURN(group_id,
                            ec2.CreateSecurityGroup(vpc, "kelola-" + plan.group, "kelola server group " + plan.group,
                                                    NetworkTags(plan, "sg")));
  }
  // Converge the rules: add the missing ones, revoke those the spec dropped.
  std::vector<Ec2IngressRule> missing;
  std::set<std::string> wanted;
  for (const auto& rule : plan.ingress) {
    const std::string key =
        RuleKey(rule.protocol, std::to_string(rule.from_port), std::to_string(rule.to_port), rule.cidr);
    wanted.insert(key);
    if (!have.count(key)) missing.push_back(rule);
  }
  std::vector<Ec2IngressRule> extra;
  for (const auto& [key, rule] : have) {
    if (!wanted.count(key)) extra.push_back(rule);
  }
  KELOLA_RETURN_IF_ERROR(ec2.RevokeSecurityGroupIngress(group_id, extra));
  KELOLA_RETURN_IF_ERROR(ec2.AuthorizeSecurityGroupIngress(group_id, missing));
  net.ids["securityGroup"] = group_id;
  return net;
}

Status DeleteEc2Network(Ec2Client& ec2, const std::string& group, const std::string& managed_by, Duration retry_window,
                        const std::function<void(Duration)>& sleep) {
  const auto tags = GroupTagFilters(group, managed_by);
  auto retry = [&](const std::function<Status()>& step) { return WithDependencyRetry(step, retry_window, sleep); };

  KELOLA_ASSIGN_OR_RETURN(auto groups, ec2.Describe(Ec2ResourceKind::kSecurityGroup, tags));
  for (const auto& g : groups) KELOLA_RETURN_IF_ERROR(retry([&] { return ec2.DeleteSecurityGroup(g.id); }));

  KELOLA_ASSIGN_OR_RETURN(auto tables, ec2.Describe(Ec2ResourceKind::kRouteTable, tags));
  for (const auto& t : tables) {
    if (auto it = t.sets.find("associationSet"); it != t.sets.end()) {
      for (const auto& a : it->second) {
        auto id = a.find("routeTableAssociationId");
        const bool main = a.count("main") && a.at("main") == "true";
        if (id == a.end() || main) continue;
        KELOLA_RETURN_IF_ERROR(retry([&] { return ec2.DisassociateRouteTable(id->second); }));
      }
    }
    KELOLA_RETURN_IF_ERROR(retry([&] { return ec2.DeleteRouteTable(t.id); }));
  }

  KELOLA_ASSIGN_OR_RETURN(auto gateways, ec2.Describe(Ec2ResourceKind::kInternetGateway, tags));
  for (const auto& g : gateways) {
    if (auto it = g.sets.find("attachmentSet"); it != g.sets.end()) {
      for (const auto& a : it->second) {
        if (!a.count("vpcId")) continue;
        KELOLA_RETURN_IF_ERROR(retry([&] { return ec2.DetachInternetGateway(g.id, a.at("vpcId")); }));
      }
    }
    KELOLA_RETURN_IF_ERROR(retry([&] { return ec2.DeleteInternetGateway(g.id); }));
  }

  KELOLA_ASSIGN_OR_RETURN(auto subnets, ec2.Describe(Ec2ResourceKind::kSubnet, tags));
  for (const auto& s : subnets) KELOLA_RETURN_IF_ERROR(retry([&] { return ec2.DeleteSubnet(s.id); }));

  KELOLA_ASSIGN_OR_RETURN(auto vpcs, ec2.Describe(Ec2ResourceKind::kVpc, tags));
  for (const auto& v : vpcs) KELOLA_RETURN_IF_ERROR(retry([&] { return ec2.DeleteVpc(v.id); }));
  return OkStatus();
}

}  // namespace kelola
