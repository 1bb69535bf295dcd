// Ec2Client: the EC2 Query API calls (Version 2016-11-15) the fleet provider
// needs, typed, over an AwsQueryClient: the network (VPC, subnet, internet
// gateway, route table and route, security group and its ingress rules),
// instances (RunInstances with UserData, TagSpecification, ClientToken and
// IMDSv2 required; DescribeInstances with filters, following NextToken;
// TerminateInstances), the Describe* calls that re-find resources by tag,
// and the deletes of a teardown. Parameter names and answer shapes follow
// the EC2 API reference; docs/integrations/aws.md lists them.
//
// Errors: as AwsQueryClient (Unauthenticated, PermissionDenied, NotFound,
// InvalidArgument naming the AWS error code...). Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "integrations/aws/aws_query_client.h"
#include "integrations/aws/ec2_responses.h"

namespace kelola {

inline constexpr const char* kEc2ApiVersion = "2016-11-15";

using Ec2Tags = std::vector<std::pair<std::string, std::string>>;

struct Ec2Filter {
  std::string name;  // "tag:kelola:group", "instance-state-name", "vpc-id"
  std::vector<std::string> values;
};

struct Ec2IngressRule {
  std::string protocol = "tcp";  // tcp | udp | icmp | -1 (all)
  int from_port = 0;
  int to_port = 0;
  std::string cidr = "0.0.0.0/0";
  std::string description;
};

struct RunInstancesRequest {
  std::string image_id;
  std::string instance_type;
  int count = 1;             // MinCount = MaxCount
  std::string client_token;  // idempotency token, <= 64 ASCII characters
  std::string user_data;     // plain text; base64-encoded on the wire
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
  std::string availability_zone;
  Ec2Tags tags;                 // on the instances and their volumes
  bool imdsv2_required = true;  // MetadataOptions.HttpTokens=required
};

// The resource kinds Describe() knows.
enum class Ec2ResourceKind { kVpc, kSubnet, kInternetGateway, kRouteTable, kSecurityGroup };

class Ec2Client {
 public:
  explicit Ec2Client(std::shared_ptr<AwsQueryClient> query) : query_(std::move(query)) {}

  Result<std::string> CreateVpc(const std::string& cidr, const Ec2Tags& tags);
  Result<std::string> CreateSubnet(const std::string& vpc_id, const std::string& cidr, const std::string& zone,
                                   const Ec2Tags& tags);
  // Instances launched into the subnet get a public IPv4 address.
  Status EnableSubnetPublicIp(const std::string& subnet_id);
  Result<std::string> CreateInternetGateway(const Ec2Tags& tags);
  Status AttachInternetGateway(const std::string& gateway_id, const std::string& vpc_id);
  Result<std::string> CreateRouteTable(const std::string& vpc_id, const Ec2Tags& tags);
  Status CreateRoute(const std::string& route_table_id, const std::string& destination_cidr,
                     const std::string& gateway_id);
  Result<std::string> AssociateRouteTable(const std::string& route_table_id, const std::string& subnet_id);
  Result<std::string> CreateSecurityGroup(const std::string& vpc_id, const std::string& name,
                                          const std::string& description, const Ec2Tags& tags);
  Status AuthorizeSecurityGroupIngress(const std::string& group_id, const std::vector<Ec2IngressRule>& rules);
  Status RevokeSecurityGroupIngress(const std::string& group_id, const std::vector<Ec2IngressRule>& rules);
  Status CreateTags(const std::vector<std::string>& resource_ids, const Ec2Tags& tags);

  Result<std::vector<Ec2Instance>> RunInstances(const RunInstancesRequest& request);
  // All pages. `ids` and `filters` may both be given; `not_found_grace`
  // retries InvalidInstanceID.NotFound (ids launched a moment ago).
  Result<std::vector<Ec2Instance>> DescribeInstances(const std::vector<std::string>& ids,
                                                     const std::vector<Ec2Filter>& filters,
                                                     Duration not_found_grace = Duration::zero());
  // The instance's user data, decoded from base64 ("" when it has none).
  Result<std::string> DescribeUserData(const std::string& instance_id);
  Status TerminateInstances(const std::vector<std::string>& ids);

  Result<std::vector<Ec2Resource>> Describe(Ec2ResourceKind kind, const std::vector<Ec2Filter>& filters);

  Status DeleteSecurityGroup(const std::string& group_id);
  Status DisassociateRouteTable(const std::string& association_id);
  Status DeleteRouteTable(const std::string& route_table_id);
  Status DetachInternetGateway(const std::string& gateway_id, const std::string& vpc_id);
  Status DeleteInternetGateway(const std::string& gateway_id);
  Status DeleteSubnet(const std::string& subnet_id);
  Status DeleteVpc(const std::string& vpc_id);

  AwsQueryClient& query() { return *query_; }
  // DescribeInstances' MaxResults (5..1000); tests lower it to exercise NextToken.
  void set_page_size(int page_size) { page_size_ = page_size; }

 private:
  Result<std::string> CreateOne(const std::string& action, AwsQueryParams params, const std::string& resource_type,
                                const Ec2Tags& tags, const std::string& id_field);
  Status Simple(const std::string& action, const AwsQueryParams& params);
  Status IngressCall(const std::string& action, const std::string& group_id, const std::vector<Ec2IngressRule>& rules);

  std::shared_ptr<AwsQueryClient> query_;
  int page_size_ = 1000;
};

// Appends TagSpecification.N.ResourceType/Tag.M.Key/Value parameters.
void AddTagSpecification(AwsQueryParams& params, int index, const std::string& resource_type, const Ec2Tags& tags);
// Appends Filter.N.Name / Filter.N.Value.M parameters.
void AddFilters(AwsQueryParams& params, const std::vector<Ec2Filter>& filters);
// The Query parameters of a RunInstances call (for tests and the docs).
AwsQueryParams RunInstancesParams(const RunInstancesRequest& request);

}  // namespace kelola
