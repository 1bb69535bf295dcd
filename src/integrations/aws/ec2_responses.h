// Decoding of EC2 Query API (2016-11-15) XML answers into values: the error
// shape (<Response><Errors><Error><Code>/<Message>, and the
// <ErrorResponse>[<Errors>]<Error> shape of IAM/STS), instances of RunInstances and
// DescribeInstances (reservationSet/item/instancesSet/item, nextToken), and
// the other resources' sets (vpcSet, subnetSet, internetGatewaySet,
// routeTableSet, securityGroupInfo) as generic tagged resources.
//
// Outside input (fuzzed by fuzz/aws_ec2_xml_fuzz.cc): missing elements give
// empty fields, never a crash; a document that is not XML is
// InvalidArgument. Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "integrations/aws/xml_document.h"

namespace kelola {

struct Ec2Error {
  std::string code;     // "InvalidInstanceID.NotFound"
  std::string message;  // the service's words
  std::string request_id;
};

struct Ec2Instance {
  std::string id;
  std::string state;  // pending | running | shutting-down | terminated | stopping | stopped
  std::string instance_type;
  std::string image_id;
  std::string subnet_id;
  std::string vpc_id;
  std::string private_ip;
  std::string public_ip;
  std::string launch_time;  // ISO 8601 as sent
  std::string client_token;
  std::string http_tokens;  // metadataOptions/httpTokens: "required" = IMDSv2 only
  int launch_index = 0;     // amiLaunchIndex
  std::map<std::string, std::string> tags;
};

struct Ec2InstancePage {
  std::vector<Ec2Instance> instances;
  std::string next_token;  // "" on the last page
};

// A VPC, subnet, internet gateway, route table or security group: its id,
// tags, scalar fields (vpcId, cidrBlock, state, availabilityZone, groupName
// ...) and its item sets flattened to maps (associationSet, attachmentSet,
// routeSet; a security group's ipPermissions as one map per CIDR range with
// ipProtocol, fromPort, toPort, cidrIp, description).
struct Ec2Resource {
  std::string id;
  std::map<std::string, std::string> tags;
  std::map<std::string, std::string> fields;
  std::map<std::string, std::vector<std::map<std::string, std::string>>> sets;
};

struct Ec2ResourcePage {
  std::vector<Ec2Resource> resources;
  std::string next_token;
};

// nullopt when `body` is not an error document.
std::optional<Ec2Error> ParseEc2Error(std::string_view body);

// RunInstancesResponse (instancesSet at the top) or
// DescribeInstancesResponse (reservationSet); both shapes are accepted.
Result<Ec2InstancePage> ParseEc2Instances(std::string_view body);

// `set_name`: "vpcSet", "subnetSet", "internetGatewaySet", "routeTableSet",
// "securityGroupInfo"; `id_field`: "vpcId", "subnetId", ...
Result<Ec2ResourcePage> ParseEc2Resources(std::string_view body, std::string_view set_name, std::string_view id_field);

// The text of the first element named `name` anywhere in the answer (the id
// a Create* call returns: "vpcId", "groupId", "associationId", "return").
Result<std::string> ParseEc2Field(std::string_view body, std::string_view name);

}  // namespace kelola
