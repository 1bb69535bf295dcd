// The provider's checks that need no EC2 endpoint: Validate, region
// resolution, client tokens and the network plan. The calls themselves are
// tested against moto in tests/integration/aws_fleet_test.cc.
#include "integrations/aws/ec2_fleet_provider.h"

#include <gtest/gtest.h>

#include "integrations/aws/ec2_instance_types.h"
#include "integrations/aws/ec2_network.h"

namespace kelola {
namespace {

ServerGroupSpec Spec() {
  ServerGroupSpec spec;
  spec.name = "web";
  spec.provider = "aws";
  spec.region = "eu-west-1";
  spec.image = "ami-0123abcd";
  spec.size = "t3.micro";
  return spec;
}

Ec2FleetProvider Provider(std::map<std::string, std::string> env = {}) {
  Ec2ProviderOptions options;
  options.environment = std::move(env);
  return Ec2FleetProvider(options);
}

void ExpectInvalid(const Status& status, const std::string& want) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find(want), std::string::npos) << status.message();
}

TEST(Ec2FleetProviderTest, ValidSpecPasses) {
  EXPECT_TRUE(Provider().Validate(Spec()).ok()) << Provider().Validate(Spec()).ToString();
  ServerGroupSpec spec = Spec();
  spec.image = "ami-0123456789abcdef0";  // the 17-digit form
  spec.size = "c6i.32xlarge";
  spec.zone = "eu-west-1b";
  EXPECT_TRUE(Provider().Validate(spec).ok()) << Provider().Validate(spec).ToString();
}

TEST(Ec2FleetProviderTest, SizeImageZoneAndUserDataErrorsNameTheField) {
  ServerGroupSpec spec = Spec();
  spec.size = "t3.huge";
  ExpectInvalid(Provider().Validate(spec), "spec.size: \"t3.huge\" is not a known EC2 instance type (t3 sizes: nano");
  spec.size = "q9.large";
  ExpectInvalid(Provider().Validate(spec), "spec.size: \"q9.large\" is not a known EC2 instance type (families:");
  spec.size = "";
  ExpectInvalid(Provider().Validate(spec), "spec.size: an EC2 instance type is required");

  spec = Spec();
  for (const char* image : {"debian:12", "ami-XYZ12345", "ami-123", "ami-0123abcd0"}) {
    spec.image = image;
    ExpectInvalid(Provider().Validate(spec), "spec.image: \"" + std::string(image) + "\" is not an AMI id");
  }
  spec = Spec();
  spec.zone = "us-east-1a";
  ExpectInvalid(Provider().Validate(spec), "spec.zone: \"us-east-1a\" is not a zone of region eu-west-1");
  spec = Spec();
  spec.bootstrap.user_data = std::string(16 * 1024 + 1, 'x');
  ExpectInvalid(Provider().Validate(spec), "spec.bootstrap.user_data: 16385 bytes");
  spec = Spec();
  spec.network.ingress = {{.protocol = "sctp"}};
  ExpectInvalid(Provider().Validate(spec), "spec.network.ingress[0].protocol");
}

TEST(Ec2FleetProviderTest, RegionFromSpecOptionsOrEnvironment) {
  ServerGroupSpec spec = Spec();
  spec.region = "";
  ExpectInvalid(Provider().Validate(spec), "spec.region: empty, and neither AWS_REGION nor AWS_DEFAULT_REGION");
  EXPECT_TRUE(Provider({{"AWS_DEFAULT_REGION", "us-west-2"}}).Validate(spec).ok());
  EXPECT_TRUE(Provider({{"AWS_REGION", "ap-southeast-1"}}).Validate(spec).ok());
  spec.region = "mars-1";
  ExpectInvalid(Provider().Validate(spec), "spec.region: \"mars-1\" is not an AWS region name");
}

TEST(Ec2FleetProviderTest, ClientTokenIsTheHostsOrADerivedOne) {
  EXPECT_EQ(Ec2ClientToken("web", {"web-1", "abc123"}), "abc123");
  const std::string long_token(65, 'a');
  const std::string derived = Ec2ClientToken("web", {"web-1", long_token});
  EXPECT_LE(derived.size(), 64u);
  EXPECT_EQ(derived.rfind("kelola-", 0), 0u);
  EXPECT_EQ(derived, Ec2ClientToken("web", {"web-1", long_token})) << "stable across retries";
  EXPECT_NE(derived, Ec2ClientToken("web", {"web-2", long_token}));
  EXPECT_NE(Ec2ClientToken("web", {"web-1", ""}), Ec2ClientToken("web", {"web-2", ""}));
}

TEST(Ec2FleetProviderTest, MissingCredentialsSurfaceOnFirstUseNotConstruction) {
  Ec2ProviderOptions options;
  options.environment = std::map<std::string, std::string>{{"HOME", "/nonexistent"}};
  options.endpoint = "http://127.0.0.1:9";  // never reached
  Ec2FleetProvider provider(options);
  auto network = provider.EnsureNetwork(Spec());
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.status().code(), StatusCode::kUnauthenticated) << network.status().ToString();
  EXPECT_EQ(provider.ApiCalls(), 0);
}

TEST(Ec2NetworkPlanTest, DefaultsAndRuleTranslation) {
  ServerGroupSpec spec = Spec();
  spec.network.ingress = {{.protocol = "all", .cidr = "10.0.0.0/8"},
                          {.protocol = "icmp", .from_port = 8, .to_port = 8, .cidr = "0.0.0.0/0"}};
  const Ec2NetworkPlan plan = PlanEc2Network(spec, "kelola", "10.42.0.0/16");
  EXPECT_EQ(plan.vpc_cidr, "10.42.0.0/16");
  EXPECT_EQ(plan.subnet_cidrs, std::vector<std::string>{"10.42.0.0/16"});
  ASSERT_EQ(plan.ingress.size(), 2u);
  EXPECT_EQ(plan.ingress[0].protocol, "-1");
  EXPECT_EQ(plan.ingress[1].from_port, -1);
  const auto filters = GroupTagFilters("web", "kelola");
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0].name, "tag:kelola:group");
  EXPECT_EQ(filters[1].name, "tag:kelola:managed-by");
}

TEST(Ec2InstanceTypesTest, KnownFamiliesAndSizes) {
  for (const char* ok : {"t2.nano", "t3a.2xlarge", "m5.metal", "c5.9xlarge", "r6i.32xlarge", "m7g.medium"}) {
    EXPECT_TRUE(ValidateEc2InstanceType(ok, "f").ok()) << ok;
  }
  for (const char* bad : {"t3", "c5.8xlarge", "m5.nano", ".large", "t3.", "T3.micro"}) {
    EXPECT_FALSE(ValidateEc2InstanceType(bad, "f").ok()) << bad;
  }
}

}  // namespace
}  // namespace kelola
