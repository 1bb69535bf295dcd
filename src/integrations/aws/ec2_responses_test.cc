#include "integrations/aws/ec2_responses.h"

#include <gtest/gtest.h>

#include "integrations/aws/aws_query_client.h"
#include "integrations/aws/ec2_client.h"

namespace kelola {
namespace {

// Shapes as EC2 (and moto) send them, trimmed to the fields read.
constexpr const char* kDescribeInstances = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r1</requestId>
  <reservationSet>
    <item><reservationId>r-1</reservationId><instancesSet>
      <item>
        <instanceId>i-0a</instanceId><imageId>ami-12345678</imageId>
        <instanceState><code>16</code><name>running</name></instanceState>
        <privateIpAddress>10.0.1.5</privateIpAddress><ipAddress>54.1.2.3</ipAddress>
        <instanceType>t3.micro</instanceType><launchTime>2026-11-27T21:55:15.000Z</launchTime>
        <subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><clientToken>tok-a</clientToken>
        <amiLaunchIndex>1</amiLaunchIndex>
        <metadataOptions><httpTokens>required</httpTokens></metadataOptions>
        <tagSet><item><key>kelola:group</key><value>web</value></item>
                <item><key>kelola:host</key><value>web-1</value></item></tagSet>
      </item>
    </instancesSet></item>
    <item><instancesSet><item><instanceId>i-0b</instanceId>
      <instanceState><name>pending</name></instanceState></item></instancesSet></item>
  </reservationSet>
  <nextToken>page2</nextToken>
</DescribeInstancesResponse>)";

TEST(Ec2ResponsesTest, DescribeInstancesAcrossReservations) {
  auto page = ParseEc2Instances(kDescribeInstances);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->instances.size(), 2u);
  const Ec2Instance& a = page->instances[0];
  EXPECT_EQ(a.id, "i-0a");
  EXPECT_EQ(a.state, "running");
  EXPECT_EQ(a.public_ip, "54.1.2.3");
  EXPECT_EQ(a.private_ip, "10.0.1.5");
  EXPECT_EQ(a.launch_index, 1);
  EXPECT_EQ(a.http_tokens, "required");
  EXPECT_EQ(a.tags.at("kelola:host"), "web-1");
  EXPECT_EQ(page->instances[1].state, "pending");
  EXPECT_EQ(page->next_token, "page2");
}

TEST(Ec2ResponsesTest, RunInstancesHasInstancesAtTheTop) {
  auto page = ParseEc2Instances(
      "<RunInstancesResponse><instancesSet><item><instanceId>i-1</instanceId></item>"
      "<item><instanceId>i-2</instanceId></item></instancesSet></RunInstancesResponse>");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->instances.size(), 2u);
  EXPECT_EQ(page->instances[1].id, "i-2");
  EXPECT_TRUE(page->next_token.empty());
}

TEST(Ec2ResponsesTest, ErrorShapesOfEc2AndIam) {
  auto ec2 = ParseEc2Error(
      "<?xml version=\"1.0\"?><Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
      "<Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>rq</RequestID></Response>");
  ASSERT_TRUE(ec2.has_value());
  EXPECT_EQ(ec2->code, "InvalidInstanceID.NotFound");
  EXPECT_EQ(ec2->request_id, "rq");
  auto iam = ParseEc2Error(
      "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
      "<Code>InvalidClientTokenId</Code><Message>bad</Message></Error><RequestId>x</RequestId></ErrorResponse>");
  ASSERT_TRUE(iam.has_value());
  EXPECT_EQ(iam->code, "InvalidClientTokenId");
  EXPECT_EQ(iam->request_id, "x");
  auto wrapped = ParseEc2Error(
      "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>AuthFailure</Code><Message>m</Message>"
      "<Type>Sender</Type></Error></Errors></ErrorResponse>");
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(wrapped->code, "AuthFailure");
  EXPECT_FALSE(ParseEc2Error("<CreateVpcResponse/>").has_value());
  EXPECT_FALSE(ParseEc2Error("not xml").has_value());
}

TEST(Ec2ResponsesTest, ResourcesWithSetsAndSecurityGroupRules) {
  auto page = ParseEc2Resources(
      "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId><vpcId>vpc-1</vpcId>"
      "<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort>"
      "<ipRanges><item><cidrIp>10.0.0.0/8</cidrIp><description>ssh</description></item>"
      "<item><cidrIp>192.168.0.0/16</cidrIp></item></ipRanges></item></ipPermissions>"
      "<tagSet><item><key>kelola:group</key><value>g</value></item></tagSet></item></securityGroupInfo>"
      "</DescribeSecurityGroupsResponse>",
      "securityGroupInfo", "groupId");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->resources.size(), 1u);
  const Ec2Resource& sg = page->resources[0];
  EXPECT_EQ(sg.id, "sg-1");
  EXPECT_EQ(sg.fields.at("vpcId"), "vpc-1");
  EXPECT_EQ(sg.tags.at("kelola:group"), "g");
  const auto& rules = sg.sets.at("ipPermissions");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].at("fromPort"), "22");
  EXPECT_EQ(rules[0].at("cidrIp"), "10.0.0.0/8");
  EXPECT_EQ(rules[0].at("description"), "ssh");
  EXPECT_EQ(rules[1].at("cidrIp"), "192.168.0.0/16");

  auto tables = ParseEc2Resources(
      "<R><routeTableSet><item><routeTableId>rtb-1</routeTableId><associationSet><item>"
      "<routeTableAssociationId>rtbassoc-1</routeTableAssociationId><subnetId>subnet-1</subnetId></item>"
      "</associationSet></item></routeTableSet></R>",
      "routeTableSet", "routeTableId");
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables->resources[0].sets.at("associationSet")[0].at("subnetId"), "subnet-1");
}

TEST(Ec2ResponsesTest, HostileXmlIsRefused) {
  EXPECT_FALSE(ParseXml("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>").ok());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  EXPECT_FALSE(ParseXml(deep).ok());
  auto bad = ParseXml("<a><b></a>");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 1"), std::string::npos);
  EXPECT_FALSE(ParseEc2Field("<a><b>1</b></a>", "vpcId").ok());
}

TEST(AwsQueryErrorTest, MapsCodesToStatuses) {
  auto code = [](int http, const char* aws) { return MapAwsQueryError("X", http, Ec2Error{.code = aws}).code(); };
  EXPECT_EQ(code(401, "AuthFailure"), StatusCode::kUnauthenticated);
  EXPECT_EQ(code(403, "InvalidClientTokenId"), StatusCode::kUnauthenticated);
  EXPECT_EQ(code(403, "UnauthorizedOperation"), StatusCode::kPermissionDenied);
  EXPECT_EQ(code(503, "RequestLimitExceeded"), StatusCode::kUnavailable);
  EXPECT_EQ(code(500, ""), StatusCode::kUnavailable);
  EXPECT_EQ(code(400, "InstanceLimitExceeded"), StatusCode::kResourceExhausted);
  EXPECT_EQ(code(400, "InvalidInstanceID.NotFound"), StatusCode::kNotFound);
  EXPECT_EQ(code(400, "InvalidGroup.Duplicate"), StatusCode::kAlreadyExists);
  EXPECT_EQ(code(400, "DependencyViolation"), StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(400, "InvalidParameterValue"), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsRetryableAwsError(400, "RequestLimitExceeded"));
  EXPECT_TRUE(IsRetryableAwsError(502, ""));
  EXPECT_FALSE(IsRetryableAwsError(400, "AuthFailure"));
  const Status s = MapAwsQueryError(
      "RunInstances", 400, Ec2Error{.code = "InvalidAMIID.Malformed", .message = "bad ami", .request_id = "rq"});
  EXPECT_EQ(s.message(), "RunInstances: InvalidAMIID.Malformed: bad ami (request id rq)");
}

TEST(Ec2ClientParamsTest, RunInstancesCarriesTokenUserDataTagsAndImdsV2) {
  RunInstancesRequest request;
  request.image_id = "ami-12345678";
  request.instance_type = "t3.micro";
  request.count = 3;
  request.client_token = "tok";
  request.user_data = "#cloud-config\n";
  request.subnet_id = "subnet-1";
  request.security_group_ids = {"sg-1"};
  request.tags = {{"kelola:group", "web"}, {"kelola:host", "web-1"}};
  const AwsQueryParams params = RunInstancesParams(request);
  auto has = [&](const std::string& key, const std::string& value) {
    for (const auto& p : params) {
      if (p.first == key && p.second == value) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("MinCount", "3"));
  EXPECT_TRUE(has("MaxCount", "3"));
  EXPECT_TRUE(has("ClientToken", "tok"));
  EXPECT_TRUE(has("UserData", "I2Nsb3VkLWNvbmZpZwo="));
  EXPECT_TRUE(has("MetadataOptions.HttpTokens", "required"));
  EXPECT_TRUE(has("SecurityGroupId.1", "sg-1"));
  EXPECT_TRUE(has("TagSpecification.1.ResourceType", "instance"));
  EXPECT_TRUE(has("TagSpecification.1.Tag.2.Key", "kelola:host"));
  EXPECT_TRUE(has("TagSpecification.1.Tag.2.Value", "web-1"));
  EXPECT_EQ(EncodeAwsQueryForm("RunInstances", "2016-11-15", {{"Tag.1.Key", "kelola:group"}, {"V", "a b/c"}}),
            "Action=RunInstances&Version=2016-11-15&Tag.1.Key=kelola%3Agroup&V=a%20b%2Fc");
}

}  // namespace
}  // namespace kelola
