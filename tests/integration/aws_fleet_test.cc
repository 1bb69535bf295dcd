// The `aws` fleet provider against moto's EC2 (tests/harness/moto_server.h):
// apply a group, check every piece through the EC2 API, replay, tear down;
// wrong credentials with moto checking signatures (its IAM users); session
// tokens through STS AssumeRole; pagination of DescribeInstances.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "integrations/aws/ec2_fleet_provider.h"
#include "integrations/aws/ec2_network.h"
#include "tests/harness/moto_server.h"

namespace kelola {
namespace {

using harness::MotoServer;

constexpr const char* kRegion = "us-east-1";
constexpr const char* kImage = "ami-12c6146b";  // one of moto's built-in AMIs
const AwsCredentials kAnyCredentials{.access_key_id = "AKIDTEST", .secret_access_key = "test-secret"};

std::map<std::string, std::string> Env(const AwsCredentials& c) {
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", c.access_key_id},
                                            {"AWS_SECRET_ACCESS_KEY", c.secret_access_key}};
  if (!c.session_token.empty()) env["AWS_SESSION_TOKEN"] = c.session_token;
  return env;
}

Ec2ProviderOptions ProviderOptions(const MotoServer& moto, const AwsCredentials& credentials) {
  Ec2ProviderOptions o;
  o.endpoint = moto.url();
  o.environment = Env(credentials);
  o.sleep = [](Duration) {};  // moto answers at once; no real waits in retries
  o.max_attempts = 2;
  return o;
}

std::shared_ptr<AwsQueryClient> QueryClient(const MotoServer& moto, const std::string& service,
                                            const std::string& version, const AwsCredentials& credentials) {
  AwsQueryClientOptions o;
  o.service = service;
  o.version = version;
  o.region = kRegion;
  o.endpoint = moto.url();
  o.max_attempts = 1;
  return std::make_shared<AwsQueryClient>(o, credentials);
}

ServerGroupSpec WebSpec(const std::string& name) {
  ServerGroupSpec spec;
  spec.name = name;
  spec.provider = "aws";
  spec.region = kRegion;
  spec.image = kImage;
  spec.size = "t3.micro";
  spec.count = 3;
  spec.network.vpc_cidr = "10.20.0.0/16";
  spec.network.subnet_cidrs = {"10.20.1.0/24", "10.20.2.0/24"};
  spec.network.ingress = {{.protocol = "tcp", .from_port = 22, .to_port = 22, .cidr = "10.0.0.0/8"},
                          {.protocol = "tcp", .from_port = 80, .to_port = 80, .cidr = "0.0.0.0/0"}};
  spec.bootstrap.user_data = "#cloud-config\nruncmd:\n  - echo hello > /tmp/kelola\n";
  return spec;
}

std::vector<LaunchSpec> Hosts(const std::string& group, int n) {
  std::vector<LaunchSpec> hosts;
  for (int i = 1; i <= n; ++i) hosts.push_back({group + "-" + std::to_string(i), "tok-" + group + std::to_string(i)});
  return hosts;
}

int Creates(const std::map<std::string, int>& counts) {
  int n = 0;
  for (const auto& [action, calls] : counts) {
    if (action.rfind("Create", 0) == 0 || action == "RunInstances" || action.rfind("Attach", 0) == 0 ||
        action.rfind("Associate", 0) == 0 || action.rfind("Authorize", 0) == 0 || action.rfind("Modify", 0) == 0) {
      n += calls;
    }
  }
  return n;
}

class AwsFleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto moto = MotoServer::Start();
    ASSERT_TRUE(moto.ok()) << moto.status().ToString();
    moto_ = moto->release();
  }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }
  static MotoServer* moto_;
};
MotoServer* AwsFleetTest::moto_ = nullptr;

TEST_F(AwsFleetTest, ApplyReplayAndTeardownTouchOnlyTheGroup) {
  ASSERT_NE(moto_, nullptr);
  Ec2Client admin(QueryClient(*moto_, "ec2", kEc2ApiVersion, kAnyCredentials));
  // Something that is not ours, created first: it must survive the teardown.
  auto unrelated = admin.CreateVpc("172.31.0.0/16", {{"team", "other"}, {kFleetGroupTag, "someone-else"}});
  ASSERT_TRUE(unrelated.ok()) << unrelated.status().ToString();
  auto vpcs_before = admin.Describe(Ec2ResourceKind::kVpc, {});
  ASSERT_TRUE(vpcs_before.ok());

  Ec2FleetProvider provider(ProviderOptions(*moto_, kAnyCredentials));
  const ServerGroupSpec spec = WebSpec("web");
  ASSERT_TRUE(provider.Validate(spec).ok()) << provider.Validate(spec).ToString();
  auto network = provider.EnsureNetwork(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  for (const char* role : {"vpc", "subnet", "subnet-1", "internetGateway", "routeTable", "securityGroup"}) {
    EXPECT_FALSE(network->ids[role].empty()) << role;
  }
  auto launched = provider.Launch(spec, *network, Hosts("web", 3));
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  ASSERT_EQ(launched->size(), 3u);

  // What exists, as EC2 tells it.
  const auto tags = GroupTagFilters("web", "kelola");
  auto vpcs = admin.Describe(Ec2ResourceKind::kVpc, tags);
  ASSERT_TRUE(vpcs.ok());
  ASSERT_EQ(vpcs->size(), 1u);
  EXPECT_EQ((*vpcs)[0].id, network->ids["vpc"]);
  EXPECT_EQ((*vpcs)[0].fields["cidrBlock"], "10.20.0.0/16");
  auto subnets = admin.Describe(Ec2ResourceKind::kSubnet, tags);
  ASSERT_TRUE(subnets.ok());
  std::set<std::string> subnet_cidrs;
  for (auto& s : *subnets) {
    subnet_cidrs.insert(s.fields["cidrBlock"]);
    EXPECT_EQ(s.fields["vpcId"], network->ids["vpc"]);
    EXPECT_EQ(s.fields["mapPublicIpOnLaunch"], "true");
  }
  EXPECT_EQ(subnet_cidrs, (std::set<std::string>{"10.20.1.0/24", "10.20.2.0/24"}));
  auto gateways = admin.Describe(Ec2ResourceKind::kInternetGateway, tags);
  ASSERT_TRUE(gateways.ok());
  ASSERT_EQ(gateways->size(), 1u);
  ASSERT_EQ((*gateways)[0].sets["attachmentSet"].size(), 1u);
  EXPECT_EQ((*gateways)[0].sets["attachmentSet"][0]["vpcId"], network->ids["vpc"]);
  auto tables = admin.Describe(Ec2ResourceKind::kRouteTable, tags);
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  bool default_route = false;
  for (auto& r : (*tables)[0].sets["routeSet"]) {
    default_route |= r["destinationCidrBlock"] == "0.0.0.0/0" && r["gatewayId"] == network->ids["internetGateway"];
  }
  EXPECT_TRUE(default_route);
  std::set<std::string> associated;
  for (auto& a : (*tables)[0].sets["associationSet"]) associated.insert(a["subnetId"]);
  EXPECT_EQ(associated, (std::set<std::string>{network->ids["subnet"], network->ids["subnet-1"]}));
  auto groups = admin.Describe(Ec2ResourceKind::kSecurityGroup, tags);
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  std::set<std::string> rules;
  for (auto& p : (*groups)[0].sets["ipPermissions"]) {
    rules.insert(p["ipProtocol"] + ":" + p["fromPort"] + "-" + p["toPort"] + ":" + p["cidrIp"]);
  }
  EXPECT_EQ(rules, (std::set<std::string>{"tcp:22-22:10.0.0.0/8", "tcp:80-80:0.0.0.0/0"}));

  auto instances = admin.DescribeInstances({}, tags);
  ASSERT_TRUE(instances.ok());
  ASSERT_EQ(instances->size(), 3u);
  std::set<std::string> host_tags;
  for (auto& i : *instances) {
    host_tags.insert(i.tags["kelola:host"]);
    EXPECT_EQ(i.tags["kelola:managed-by"], "kelola");
    EXPECT_EQ(i.image_id, kImage);
    EXPECT_EQ(i.instance_type, "t3.micro");
    EXPECT_EQ(i.http_tokens, "required") << "IMDSv2 must be required";
    EXPECT_EQ(i.vpc_id, network->ids["vpc"]);
    auto user_data = admin.DescribeUserData(i.id);
    ASSERT_TRUE(user_data.ok()) << user_data.status().ToString();
    EXPECT_EQ(*user_data, spec.bootstrap.user_data);
  }
  EXPECT_EQ(host_tags, (std::set<std::string>{"web-1", "web-2", "web-3"}));

  auto listed = provider.List(spec);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  for (const auto& i : *listed) {
    EXPECT_EQ(i.group, "web");
    EXPECT_FALSE(i.address.empty());
    EXPECT_NE(i.state, ProviderInstance::State::kUnknown);
  }
  auto one = provider.Describe(spec, (*launched)[0].provider_id);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->host_name, (*launched)[0].host_name);

  // Replay: the same EnsureNetwork + Launch creates nothing new.
  const auto before = provider.ApiCallsByAction();
  auto network2 = provider.EnsureNetwork(spec);
  ASSERT_TRUE(network2.ok()) << network2.status().ToString();
  EXPECT_EQ(network2->ids, network->ids);
  auto launched2 = provider.Launch(spec, *network2, Hosts("web", 3));
  ASSERT_TRUE(launched2.ok());
  std::set<std::string> ids1, ids2;
  for (const auto& i : *launched) ids1.insert(i.provider_id);
  for (const auto& i : *launched2) ids2.insert(i.provider_id);
  EXPECT_EQ(ids1, ids2);
  EXPECT_EQ(Creates(provider.ApiCallsByAction()), Creates(before)) << "the replay created something";
  auto instances2 = admin.DescribeInstances({}, tags);
  ASSERT_TRUE(instances2.ok());
  EXPECT_EQ(instances2->size(), 3u);

  // A changed firewall converges: port 80 dropped, 443 added, 22 kept.
  ServerGroupSpec changed = spec;
  changed.network.ingress = {spec.network.ingress[0],
                             {.protocol = "tcp", .from_port = 443, .to_port = 443, .cidr = "0.0.0.0/0"}};
  auto network3 = provider.EnsureNetwork(changed);
  ASSERT_TRUE(network3.ok()) << network3.status().ToString();
  EXPECT_EQ(network3->ids, network->ids);
  auto groups3 = admin.Describe(Ec2ResourceKind::kSecurityGroup, tags);
  ASSERT_TRUE(groups3.ok());
  ASSERT_EQ(groups3->size(), 1u);
  std::set<std::string> rules3;
  for (auto& p : (*groups3)[0].sets["ipPermissions"]) {
    rules3.insert(p["ipProtocol"] + ":" + p["fromPort"] + "-" + p["toPort"] + ":" + p["cidrIp"]);
  }
  EXPECT_EQ(rules3, (std::set<std::string>{"tcp:22-22:10.0.0.0/8", "tcp:443-443:0.0.0.0/0"}));

  // Teardown: everything of the group goes, nothing else.
  EXPECT_EQ(provider.DeleteNetwork(spec).code(), StatusCode::kFailedPrecondition)
      << "the network went while its instances were alive";
  ASSERT_TRUE(provider.Terminate(spec, std::vector<std::string>(ids1.begin(), ids1.end())).ok());
  ASSERT_TRUE(provider.Terminate(spec, std::vector<std::string>(ids1.begin(), ids1.end())).ok())
      << "terminating twice must be fine";
  const Status deleted = provider.DeleteNetwork(spec);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_TRUE(provider.DeleteNetwork(spec).ok()) << "deleting twice must be fine";
  for (auto kind : {Ec2ResourceKind::kVpc, Ec2ResourceKind::kSubnet, Ec2ResourceKind::kInternetGateway,
                    Ec2ResourceKind::kRouteTable, Ec2ResourceKind::kSecurityGroup}) {
    auto left = admin.Describe(kind, tags);
    ASSERT_TRUE(left.ok());
    EXPECT_TRUE(left->empty()) << static_cast<int>(kind) << ": " << left->size() << " left, first " << (*left)[0].id;
  }
  auto alive = provider.List(spec);
  ASSERT_TRUE(alive.ok());
  for (const auto& i : *alive) EXPECT_EQ(i.state, ProviderInstance::State::kTerminated) << i.provider_id;
  auto vpcs_after = admin.Describe(Ec2ResourceKind::kVpc, {});
  ASSERT_TRUE(vpcs_after.ok());
  std::set<std::string> before_ids, after_ids;
  for (auto& v : *vpcs_before) before_ids.insert(v.id);
  for (auto& v : *vpcs_after) after_ids.insert(v.id);
  EXPECT_EQ(before_ids, after_ids) << "the teardown removed or left a VPC that is not the group's";
  EXPECT_TRUE(after_ids.count(*unrelated));
}

TEST_F(AwsFleetTest, ListFollowsNextTokenAndUnknownIdsAreNotFound) {
  ASSERT_NE(moto_, nullptr);
  Ec2FleetProvider provider(ProviderOptions(*moto_, kAnyCredentials));
  ServerGroupSpec spec = WebSpec("paged");
  spec.network.vpc_cidr = "10.30.0.0/16";
  spec.network.subnet_cidrs = {};
  auto network = provider.EnsureNetwork(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  ASSERT_TRUE(provider.Launch(spec, *network, Hosts("paged", 7)).ok());
  auto ec2 = provider.ClientFor(spec);
  ASSERT_TRUE(ec2.ok());
  (*ec2)->set_page_size(5);  // moto pages by reservation: 5 + 2
  const int calls = provider.ApiCallsByAction()["DescribeInstances"];
  auto listed = provider.List(spec);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 7u);
  EXPECT_EQ(provider.ApiCallsByAction()["DescribeInstances"] - calls, 2) << "two pages";
  (*ec2)->set_page_size(1000);

  auto missing = provider.Describe(spec, "i-0123456789abcdef0");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

// Moto checking signatures: an IAM user's key works (moto recomputes the
// signature with botocore), a wrong secret is Unauthenticated and creates
// nothing; STS session credentials work only with their token.
TEST(AwsFleetAuthTest, WrongCredentialsAreUnauthenticatedAndCreateNothing) {
  // Three unauthenticated requests to make a user with a key, then auth is on.
  auto moto = MotoServer::Start({.auth_after_requests = 3});
  ASSERT_TRUE(moto.ok()) << moto.status().ToString();
  auto iam = QueryClient(**moto, "iam", "2010-05-08", kAnyCredentials);
  ASSERT_TRUE(iam->Call("CreateUser", {{"UserName", "kelola"}}).ok());
  const std::string allow_all =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";
  ASSERT_TRUE(
      iam->Call("PutUserPolicy", {{"UserName", "kelola"}, {"PolicyName", "all"}, {"PolicyDocument", allow_all}}).ok());
  auto key = iam->Call("CreateAccessKey", {{"UserName", "kelola"}});
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  AwsCredentials good;
  good.access_key_id = *ParseEc2Field(*key, "AccessKeyId");
  good.secret_access_key = *ParseEc2Field(*key, "SecretAccessKey");

  AwsCredentials wrong = good;
  wrong.secret_access_key = "not-the-secret";
  Ec2FleetProvider bad(ProviderOptions(**moto, wrong));
  const ServerGroupSpec spec = WebSpec("denied");
  auto network = bad.EnsureNetwork(spec);
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.status().code(), StatusCode::kUnauthenticated) << network.status().ToString();
  EXPECT_NE(network.status().message().find("AuthFailure"), std::string::npos) << network.status().ToString();
  EXPECT_EQ(network.status().message().find("not-the-secret"), std::string::npos);
  AwsCredentials unknown_key = good;
  unknown_key.access_key_id = "AKIDUNKNOWN0000000000";
  Ec2FleetProvider stranger(ProviderOptions(**moto, unknown_key));
  EXPECT_EQ(stranger.Launch(spec, {{{"vpc", "v"}, {"subnet", "s"}, {"securityGroup", "g"}}}, Hosts("denied", 1))
                .status()
                .code(),
            StatusCode::kUnauthenticated);

  // The right key passes moto's signature check, and shows nothing was made.
  Ec2FleetProvider ok(ProviderOptions(**moto, good));
  auto ec2 = ok.ClientFor(spec);
  ASSERT_TRUE(ec2.ok());
  for (auto kind : {Ec2ResourceKind::kVpc, Ec2ResourceKind::kInternetGateway, Ec2ResourceKind::kSecurityGroup}) {
    auto left = (*ec2)->Describe(kind, GroupTagFilters("denied", "kelola"));
    ASSERT_TRUE(left.ok()) << left.status().ToString();
    EXPECT_TRUE(left->empty());
  }
  auto instances = (*ec2)->DescribeInstances({}, GroupTagFilters("denied", "kelola"));
  ASSERT_TRUE(instances.ok());
  EXPECT_TRUE(instances->empty());

  // Session credentials (STS AssumeRole) carry X-Amz-Security-Token.
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]})";
  auto signed_iam = QueryClient(**moto, "iam", "2010-05-08", good);
  ASSERT_TRUE(signed_iam->Call("CreateRole", {{"RoleName", "fleet"}, {"AssumeRolePolicyDocument", trust}}).ok());
  ASSERT_TRUE(
      signed_iam->Call("PutRolePolicy", {{"RoleName", "fleet"}, {"PolicyName", "all"}, {"PolicyDocument", allow_all}})
          .ok());
  auto sts = QueryClient(**moto, "sts", "2011-06-15", good);
  auto assumed =
      sts->Call("AssumeRole", {{"RoleArn", "arn:aws:iam::123456789012:role/fleet"}, {"RoleSessionName", "kelola"}});
  ASSERT_TRUE(assumed.ok()) << assumed.status().ToString();
  AwsCredentials session;
  session.access_key_id = *ParseEc2Field(*assumed, "AccessKeyId");
  session.secret_access_key = *ParseEc2Field(*assumed, "SecretAccessKey");
  session.session_token = *ParseEc2Field(*assumed, "SessionToken");
  Ec2FleetProvider with_token(ProviderOptions(**moto, session));
  auto list = with_token.List(spec);
  EXPECT_TRUE(list.ok()) << list.status().ToString();
  AwsCredentials bad_token = session;
  bad_token.session_token = "forged";
  Ec2FleetProvider forged(ProviderOptions(**moto, bad_token));
  EXPECT_EQ(forged.List(spec).status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace kelola
