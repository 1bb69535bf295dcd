#include "fleet/server_group.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

std::string Error(const std::string& spec_json) {
  auto s = DecodeServerGroupSpec("web", spec_json);
  return s.ok() ? "" : s.status().message();
}

TEST(ServerGroupSpecTest, DecodesAFullSpecAndRoundTrips) {
  const std::string in = R"({
    "provider": "aws", "team": "payments", "region": "eu-west-1", "zone": "eu-west-1a",
    "image": "ami-0abcdef1234567890", "size": "t3.micro", "count": 3, "labels": {"app": "web"},
    "network": {"vpcCidr": "10.20.0.0/16", "subnets": ["10.20.1.0/24", "10.20.2.0/24"],
                "ingress": [{"protocol": "tcp", "port": 22, "cidr": "10.0.0.0/8"},
                            {"protocol": "tcp", "fromPort": 8000, "toPort": 8080},
                            {"protocol": "icmp"}]},
    "bootstrap": {"userData": "#!/bin/sh\necho hi\n", "sshUser": "admin", "sshKeySecret": "fleet-key",
                  "runbook": "name: x\nsteps: []\n", "timeout": "5m"},
    "healthCheck": {"http": {"port": 8080, "path": "/healthz"}, "interval": "5s", "timeout": "2s",
                    "unhealthyThreshold": 2},
    "maxReplacementsPerHour": 4})";
  auto s = DecodeServerGroupSpec("web", in);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->provider, "aws");
  EXPECT_EQ(s->team, "payments");
  EXPECT_EQ(s->count, 3);
  EXPECT_EQ(s->labels.at("app"), "web");
  ASSERT_EQ(s->network.ingress.size(), 3u);
  EXPECT_EQ(s->network.ingress[0].from_port, 22);
  EXPECT_EQ(s->network.ingress[0].to_port, 22);
  EXPECT_EQ(s->network.ingress[1].to_port, 8080);
  EXPECT_EQ(s->network.ingress[2].protocol, "icmp");
  EXPECT_EQ(s->health.kind, HealthCheckSpec::Kind::kHttp);
  EXPECT_EQ(s->health.path, "/healthz");
  EXPECT_EQ(s->health.interval, std::chrono::seconds(5));
  EXPECT_EQ(s->bootstrap.timeout, std::chrono::minutes(5));
  EXPECT_EQ(s->max_replacements_per_hour, 4);

  auto again = DecodeServerGroupSpec("web", EncodeServerGroupSpec(*s));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(EncodeServerGroupSpec(*again), EncodeServerGroupSpec(*s));
}

TEST(ServerGroupSpecTest, ErrorsNameTheField) {
  EXPECT_EQ(Error(R"({"count": 1})"), "ServerGroup web: spec.provider is required (docker, aws or static)");
  EXPECT_EQ(Error(R"({"provider": "docker", "colour": "red"})"), "ServerGroup web: spec.colour: unknown field");
  EXPECT_EQ(Error(R"({"provider": "docker", "count": 1001})"),
            "ServerGroup web: spec.count must be between 0 and 1000, got 1001");
  EXPECT_EQ(Error(R"({"provider": "docker", "network": {"subnets": ["10.0.0.0/23", "10.0.1.0/24"]}})"),
            "ServerGroup web: spec.network.subnets[1]: 10.0.1.0/24 overlaps spec.network.subnets[0] 10.0.0.0/23");
  EXPECT_EQ(Error(R"({"provider": "docker", "network": {"vpcCidr": "10.0.0.0/16", "subnets": ["10.1.0.0/24"]}})"),
            "ServerGroup web: spec.network.subnets[0]: 10.1.0.0/24 is not inside spec.network.vpcCidr 10.0.0.0/16");
  EXPECT_EQ(Error(R"({"provider": "docker", "network": {"vpcCidr": "10.0.0.1/16"}})"),
            "ServerGroup web: spec.network.vpcCidr: \"10.0.0.1/16\" has host bits set (did you mean the network "
            "address?)");
  EXPECT_EQ(Error(R"({"provider": "docker", "network": {"ingress": [{"protocol": "tcp"}]}})"),
            "ServerGroup web: spec.network.ingress[0]: a tcp rule needs port, or fromPort and toPort");
  EXPECT_EQ(Error(R"({"provider": "docker", "network": {"ingress": [{"fromPort": 90, "toPort": 80}]}})"),
            "ServerGroup web: spec.network.ingress[0].toPort (80) is below fromPort (90)");
  EXPECT_EQ(Error(R"({"provider": "docker", "healthCheck": {"tcp": {"port": 1}, "http": {"port": 2}}})"),
            "ServerGroup web: spec.healthCheck: give exactly one of tcp, http or command");
  EXPECT_EQ(Error(R"({"provider": "docker", "bootstrap": {"runbook": "steps: []"}})"),
            "ServerGroup web: spec.bootstrap.sshKeySecret is required to apply spec.bootstrap.runbook over SSH");
  EXPECT_EQ(Error(R"({"provider": "static", "count": 2, "staticHosts": [{"address": "10.0.0.5"}]})"),
            "ServerGroup web: spec.count 2 is more than the 1 machines in spec.staticHosts");
  EXPECT_EQ(Error(R"({"provider": "docker", "staticHosts": [{"address": "10.0.0.5"}]})"),
            "ServerGroup web: spec.staticHosts is only for the static provider");
  EXPECT_EQ(Error(R"({"provider": "docker", "labels": {"kelola.io/group": "x"}})"),
            "ServerGroup web: spec.labels.kelola.io/group: not a usable label key (kelola.io/ is reserved)");
  EXPECT_EQ(Error("[1]"), "ServerGroup web: spec is not a JSON object");
}

TEST(Ipv4CidrTest, ParsesAndCompares) {
  auto a = ParseIpv4Cidr("10.0.0.0/16");
  auto b = ParseIpv4Cidr("10.0.255.0/24");
  auto c = ParseIpv4Cidr("10.1.0.0/24");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(CidrContains(*a, *b));
  EXPECT_FALSE(CidrContains(*b, *a));
  EXPECT_TRUE(CidrOverlaps(*b, *a));
  EXPECT_FALSE(CidrOverlaps(*a, *c));
  EXPECT_TRUE(ParseIpv4Cidr("0.0.0.0/0").ok());
  for (const char* bad : {"10.0.0.0", "10.0.0/8", "256.0.0.0/8", "10.0.0.0/33", "10.0.0.0/8x", "a.b.c.d/8",
                          "10.0.0.0./8", "1000.0.0.0/8", "10.0.0.0/-1"}) {
    EXPECT_FALSE(ParseIpv4Cidr(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace kelola
