#include "integrations/aws/ec2_client.h"

#include "base/crypto.h"

namespace kelola {
namespace {

struct KindInfo {
  const char* action;
  const char* set_name;
  const char* id_field;
};

KindInfo Info(Ec2ResourceKind kind) {
  switch (kind) {
    case Ec2ResourceKind::kVpc: return {"DescribeVpcs", "vpcSet", "vpcId"};
    case Ec2ResourceKind::kSubnet: return {"DescribeSubnets", "subnetSet", "subnetId"};
    case Ec2ResourceKind::kInternetGateway:
      return {"DescribeInternetGateways", "internetGatewaySet", "internetGatewayId"};
    case Ec2ResourceKind::kRouteTable: return {"DescribeRouteTables", "routeTableSet", "routeTableId"};
    case Ec2ResourceKind::kSecurityGroup: return {"DescribeSecurityGroups", "securityGroupInfo", "groupId"};
  }
  return {"", "", ""};
}

}  // namespace

void AddTagSpecification(AwsQueryParams& params, int index, const std::string& resource_type, const Ec2Tags& tags) {
  if (tags.empty()) return;
  const std::string prefix = "TagSpecification." + std::to_string(index) + ".";
  params.emplace_back(prefix + "ResourceType", resource_type);
  int n = 1;
  for (const auto& [key, value] : tags) {
    params.emplace_back(prefix + "Tag." + std::to_string(n) + ".Key", key);
    params.emplace_back(prefix + "Tag." + std::to_string(n) + ".Value", value);
    ++n;
  }
}

void AddFilters(AwsQueryParams& params, const std::vector<Ec2Filter>& filters) {
  int n = 1;
  for (const auto& filter : filters) {
    const std::string prefix = "Filter." + std::to_string(n) + ".";
    params.emplace_back(prefix + "Name", filter.name);
    int m = 1;
    for (const auto& value : filter.values) params.emplace_back(prefix + "Value." + std::to_string(m++), value);
    ++n;
  }
}

AwsQueryParams RunInstancesParams(const RunInstancesRequest& request) {
  AwsQueryParams params = {
      {"ImageId", request.image_id},
      {"InstanceType", request.instance_type},
      {"MinCount", std::to_string(request.count)},
      {"MaxCount", std::to_string(request.count)},
  };
  if (!request.client_token.empty()) params.emplace_back("ClientToken", request.client_token);
  if (!request.user_data.empty()) params.emplace_back("UserData", Base64Encode(request.user_data));
  if (!request.subnet_id.empty()) params.emplace_back("SubnetId", request.subnet_id);
  int n = 1;
  for (const auto& group : request.security_group_ids) {
    params.emplace_back("SecurityGroupId." + std::to_string(n++), group);
  }
  if (!request.availability_zone.empty()) params.emplace_back("Placement.AvailabilityZone", request.availability_zone);
  if (request.imdsv2_required) {
    params.emplace_back("MetadataOptions.HttpTokens", "required");
    params.emplace_back("MetadataOptions.HttpEndpoint", "enabled");
  }
  AddTagSpecification(params, 1, "instance", request.tags);
  AddTagSpecification(params, 2, "volume", request.tags);
  return params;
}

Result<std::string> Ec2Client::CreateOne(const std::string& action, AwsQueryParams params,
                                         const std::string& resource_type, const Ec2Tags& tags,
                                         const std::string& id_field) {
  AddTagSpecification(params, 1, resource_type, tags);
  KELOLA_ASSIGN_OR_RETURN(std::string body, query_->Call(action, params));
  KELOLA_ASSIGN_OR_RETURN(std::string id, ParseEc2Field(body, id_field));
  if (id.empty()) return InternalError(action + ": the answer's <" + id_field + "> is empty");
  return id;
}

Status Ec2Client::Simple(const std::string& action, const AwsQueryParams& params) {
  return query_->Call(action, params).status();
}

Result<std::string> Ec2Client::CreateVpc(const std::string& cidr, const Ec2Tags& tags) {
  return CreateOne("CreateVpc", {{"CidrBlock", cidr}}, "vpc", tags, "vpcId");
}

Result<std::string> Ec2Client::CreateSubnet(const std::string& vpc_id, const std::string& cidr, const std::string& zone,
                                            const Ec2Tags& tags) {
  AwsQueryParams params = {{"VpcId", vpc_id}, {"CidrBlock", cidr}};
  if (!zone.empty()) params.emplace_back("AvailabilityZone", zone);
  return CreateOne("CreateSubnet", params, "subnet", tags, "subnetId");
}

Status Ec2Client::EnableSubnetPublicIp(const std::string& subnet_id) {
  return Simple("ModifySubnetAttribute", {{"SubnetId", subnet_id}, {"MapPublicIpOnLaunch.Value", "true"}});
}

Result<std::string> Ec2Client::CreateInternetGateway(const Ec2Tags& tags) {
  return CreateOne("CreateInternetGateway", {}, "internet-gateway", tags, "internetGatewayId");
}

Status Ec2Client::AttachInternetGateway(const std::string& gateway_id, const std::string& vpc_id) {
  return Simple("AttachInternetGateway", {{"InternetGatewayId", gateway_id}, {"VpcId", vpc_id}});
}

Result<std::string> Ec2Client::CreateRouteTable(const std::string& vpc_id, const Ec2Tags& tags) {
  return CreateOne("CreateRouteTable", {{"VpcId", vpc_id}}, "route-table", tags, "routeTableId");
}

Status Ec2Client::CreateRoute(const std::string& route_table_id, const std::string& destination_cidr,
                              const std::string& gateway_id) {
  return Simple(
      "CreateRoute",
      {{"RouteTableId", route_table_id}, {"DestinationCidrBlock", destination_cidr}, {"GatewayId", gateway_id}});
}

Result<std::string> Ec2Client::AssociateRouteTable(const std::string& route_table_id, const std::string& subnet_id) {
  KELOLA_ASSIGN_OR_RETURN(std::string body, query_->Call("AssociateRouteTable",
                                                         {{"RouteTableId", route_table_id}, {"SubnetId", subnet_id}}));
  return ParseEc2Field(body, "associationId");
}

Result<std::string> Ec2Client::CreateSecurityGroup(const std::string& vpc_id, const std::string& name,
                                                   const std::string& description, const Ec2Tags& tags) {
  return CreateOne("CreateSecurityGroup", {{"GroupName", name}, {"GroupDescription", description}, {"VpcId", vpc_id}},
                   "security-group", tags, "groupId");
}

Status Ec2Client::IngressCall(const std::string& action, const std::string& group_id,
                              const std::vector<Ec2IngressRule>& rules) {
  if (rules.empty()) return OkStatus();
  AwsQueryParams params = {{"GroupId", group_id}};
  int n = 1;
  for (const auto& rule : rules) {
    const std::string prefix = "IpPermissions." + std::to_string(n++) + ".";
    params.emplace_back(prefix + "IpProtocol", rule.protocol);
    if (rule.protocol != "-1") {
      params.emplace_back(prefix + "FromPort", std::to_string(rule.from_port));
      params.emplace_back(prefix + "ToPort", std::to_string(rule.to_port));
    }
    params.emplace_back(prefix + "IpRanges.1.CidrIp", rule.cidr);
    if (!rule.description.empty()) params.emplace_back(prefix + "IpRanges.1.Description", rule.description);
  }
  return Simple(action, params);
}

Status Ec2Client::AuthorizeSecurityGroupIngress(const std::string& group_id, const std::vector<Ec2IngressRule>& rules) {
  return IngressCall("AuthorizeSecurityGroupIngress", group_id, rules);
}

Status Ec2Client::RevokeSecurityGroupIngress(const std::string& group_id, const std::vector<Ec2IngressRule>& rules) {
  return IngressCall("RevokeSecurityGroupIngress", group_id, rules);
}

Status Ec2Client::CreateTags(const std::vector<std::string>& resource_ids, const Ec2Tags& tags) {
  AwsQueryParams params;
  int n = 1;
  for (const auto& id : resource_ids) params.emplace_back("ResourceId." + std::to_string(n++), id);
  n = 1;
  for (const auto& [key, value] : tags) {
    params.emplace_back("Tag." + std::to_string(n) + ".Key", key);
    params.emplace_back("Tag." + std::to_string(n) + ".Value", value);
    ++n;
  }
  return Simple("CreateTags", params);
}

Result<std::vector<Ec2Instance>> Ec2Client::RunInstances(const RunInstancesRequest& request) {
  if (request.client_token.size() > 64) return InvalidArgumentError("RunInstances: ClientToken longer than 64");
  KELOLA_ASSIGN_OR_RETURN(std::string body, query_->Call("RunInstances", RunInstancesParams(request)));
  KELOLA_ASSIGN_OR_RETURN(Ec2InstancePage page, ParseEc2Instances(body));
  return std::move(page.instances);
}

Result<std::vector<Ec2Instance>> Ec2Client::DescribeInstances(const std::vector<std::string>& ids,
                                                              const std::vector<Ec2Filter>& filters,
                                                              Duration not_found_grace) {
  std::vector<Ec2Instance> out;
  std::string token;
  // A page cap, so that a server repeating its NextToken cannot loop us forever.
  for (int page_number = 0; page_number < 1000; ++page_number) {
    AwsQueryParams params;
    int n = 1;
    for (const auto& id : ids) params.emplace_back("InstanceId." + std::to_string(n++), id);
    AddFilters(params, filters);
    // MaxResults cannot be combined with InstanceId.N.
    if (ids.empty()) params.emplace_back("MaxResults", std::to_string(page_size_));
    if (!token.empty()) params.emplace_back("NextToken", token);
    KELOLA_ASSIGN_OR_RETURN(std::string body,
                            query_->Call("DescribeInstances", params, {.not_found_grace = not_found_grace}));
    KELOLA_ASSIGN_OR_RETURN(Ec2InstancePage page, ParseEc2Instances(body));
    for (auto& instance : page.instances) out.push_back(std::move(instance));
    if (page.next_token.empty() || page.next_token == token) return out;
    token = page.next_token;
  }
  return InternalError("DescribeInstances: more than 1000 pages");
}

Result<std::string> Ec2Client::DescribeUserData(const std::string& instance_id) {
  KELOLA_ASSIGN_OR_RETURN(std::string body, query_->Call("DescribeInstanceAttribute",
                                                         {{"InstanceId", instance_id}, {"Attribute", "userData"}}));
  KELOLA_ASSIGN_OR_RETURN(XmlElement root, ParseXml(body));
  const XmlElement* user_data = root.Child("userData");
  if (user_data == nullptr || user_data->ChildText("value").empty()) return std::string();
  return Base64Decode(user_data->ChildText("value"));
}

Status Ec2Client::TerminateInstances(const std::vector<std::string>& ids) {
  if (ids.empty()) return OkStatus();
  AwsQueryParams params;
  int n = 1;
  for (const auto& id : ids) params.emplace_back("InstanceId." + std::to_string(n++), id);
  return Simple("TerminateInstances", params);
}

Result<std::vector<Ec2Resource>> Ec2Client::Describe(Ec2ResourceKind kind, const std::vector<Ec2Filter>& filters) {
  const KindInfo info = Info(kind);
  std::vector<Ec2Resource> out;
  std::string token;
  for (int page_number = 0; page_number < 1000; ++page_number) {
    AwsQueryParams params;
    AddFilters(params, filters);
    if (!token.empty()) params.emplace_back("NextToken", token);
    KELOLA_ASSIGN_OR_RETURN(std::string body, query_->Call(info.action, params));
    KELOLA_ASSIGN_OR_RETURN(Ec2ResourcePage page, ParseEc2Resources(body, info.set_name, info.id_field));
    for (auto& resource : page.resources) out.push_back(std::move(resource));
    if (page.next_token.empty() || page.next_token == token) return out;
    token = page.next_token;
  }
  return InternalError(std::string(info.action) + ": more than 1000 pages");
}

Status Ec2Client::DeleteSecurityGroup(const std::string& group_id) {
  return Simple("DeleteSecurityGroup", {{"GroupId", group_id}});
}

Status Ec2Client::DisassociateRouteTable(const std::string& association_id) {
  return Simple("DisassociateRouteTable", {{"AssociationId", association_id}});
}

Status Ec2Client::DeleteRouteTable(const std::string& route_table_id) {
  return Simple("DeleteRouteTable", {{"RouteTableId", route_table_id}});
}

Status Ec2Client::DetachInternetGateway(const std::string& gateway_id, const std::string& vpc_id) {
  return Simple("DetachInternetGateway", {{"InternetGatewayId", gateway_id}, {"VpcId", vpc_id}});
}

Status Ec2Client::DeleteInternetGateway(const std::string& gateway_id) {
  return Simple("DeleteInternetGateway", {{"InternetGatewayId", gateway_id}});
}

Status Ec2Client::DeleteSubnet(const std::string& subnet_id) {
  return Simple("DeleteSubnet", {{"SubnetId", subnet_id}});
}

Status Ec2Client::DeleteVpc(const std::string& vpc_id) { return Simple("DeleteVpc", {{"VpcId", vpc_id}}); }

}  // namespace kelola
