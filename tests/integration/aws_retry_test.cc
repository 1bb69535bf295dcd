// The aws provider's retries and error mapping, against moto behind
// tests/fakes/ec2_fault_proxy.h, which answers chosen calls with EC2's error
// shapes: throttling and 5xx retried (and counted), InvalidInstanceID.NotFound
// ridden out only for an instance this process just launched, a refusal not
// retried, a lasting throttle surfacing as Unavailable.
#include <gtest/gtest.h>

#include <atomic>

#include "integrations/aws/ec2_fleet_provider.h"
#include "integrations/aws/ec2_network.h"
#include "tests/fakes/ec2_fault_proxy.h"
#include "tests/harness/moto_server.h"

namespace kelola {
namespace {

using fakes::Ec2Fault;
using fakes::Ec2FaultProxy;
using harness::MotoServer;

ServerGroupSpec Spec(const std::string& name, const std::string& vpc_cidr) {
  ServerGroupSpec spec;
  spec.name = name;
  spec.provider = "aws";
  spec.region = "us-east-1";
  spec.image = "ami-12c6146b";
  spec.size = "t3.small";
  spec.network.vpc_cidr = vpc_cidr;
  return spec;
}

class AwsRetryTest : public ::testing::Test {
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

  std::unique_ptr<Ec2FaultProxy> Proxy(Ec2FaultProxy::FaultFn fault) {
    auto proxy = Ec2FaultProxy::Start(moto_->url(), std::move(fault));
    EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
    return proxy.ok() ? std::move(*proxy) : nullptr;
  }

  Ec2FleetProvider Provider(const std::string& endpoint) {
    Ec2ProviderOptions o;
    o.endpoint = endpoint;
    o.environment =
        std::map<std::string, std::string>{{"AWS_ACCESS_KEY_ID", "AKIDTEST"}, {"AWS_SECRET_ACCESS_KEY", "test"}};
    o.max_attempts = 4;
    o.sleep = [this](Duration d) { slept_ += d; };  // no real waits; the backoff is summed
    return Ec2FleetProvider(o);
  }

  static MotoServer* moto_;
  Duration slept_{0};
};
MotoServer* AwsRetryTest::moto_ = nullptr;

TEST_F(AwsRetryTest, ThrottlingAndServerErrorsAreRetriedWithoutDuplicates) {
  ASSERT_NE(moto_, nullptr);
  auto proxy = Proxy([](const std::string& action, const auto&, int seen) -> std::optional<Ec2Fault> {
    if (action == "RunInstances" && seen < 2) return Ec2Fault{};  // 503 RequestLimitExceeded twice
    if (action == "CreateVpc" && seen == 0) return Ec2Fault{500, "InternalError", "An internal error has occurred"};
    return std::nullopt;
  });
  ASSERT_NE(proxy, nullptr);
  Ec2FleetProvider provider = Provider(proxy->Url());
  const ServerGroupSpec spec = Spec("throttled", "10.61.0.0/16");
  auto network = provider.EnsureNetwork(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  auto launched = provider.Launch(spec, *network, {{"throttled-1", "t1"}, {"throttled-2", "t2"}});
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  EXPECT_EQ(proxy->injected(), 3);
  auto calls = provider.ApiCallsByAction();
  EXPECT_EQ(calls["RunInstances"], 4) << "2 hosts + 2 throttled attempts";
  EXPECT_EQ(calls["CreateVpc"], 2);
  EXPECT_GT(slept_, Duration::zero()) << "retries back off";
  auto listed = provider.List(spec);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u) << "a throttled RunInstances must not leave an extra instance";
}

TEST_F(AwsRetryTest, NotFoundJustAfterLaunchIsRiddenOutOtherwiseReported) {
  ASSERT_NE(moto_, nullptr);
  std::atomic<bool> lagging{false};
  auto proxy = Proxy([&lagging](const std::string& action, const auto& form, int) -> std::optional<Ec2Fault> {
    // Eventual consistency: a DescribeInstances by id misses it, twice.
    if (action == "DescribeInstances" && form.count("InstanceId.1") && lagging.load()) {
      static std::atomic<int> misses{0};
      if (misses++ < 2) {
        return Ec2Fault{400, "InvalidInstanceID.NotFound",
                        "The instance ID '" + form.at("InstanceId.1") + "' does not exist"};
      }
    }
    return std::nullopt;
  });
  ASSERT_NE(proxy, nullptr);
  Ec2FleetProvider provider = Provider(proxy->Url());
  const ServerGroupSpec spec = Spec("lagging", "10.62.0.0/16");
  auto network = provider.EnsureNetwork(spec);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  auto launched = provider.Launch(spec, *network, {{"lagging-1", "l1"}});
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  lagging = true;
  const int before = proxy->requests("DescribeInstances");
  auto described = provider.Describe(spec, (*launched)[0].provider_id);
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->host_name, "lagging-1");
  EXPECT_EQ(proxy->requests("DescribeInstances") - before, 3) << "two misses, then found";

  // An id this process never launched: NotFound at once, one call.
  const int before_unknown = proxy->requests("DescribeInstances");
  auto unknown = provider.Describe(spec, "i-00000000000000001");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound) << unknown.status().ToString();
  EXPECT_EQ(proxy->requests("DescribeInstances") - before_unknown, 1);
}

TEST_F(AwsRetryTest, RefusalsAreNotRetriedAndLastingThrottleIsUnavailable) {
  ASSERT_NE(moto_, nullptr);
  auto proxy = Proxy([](const std::string& action, const auto&, int) -> std::optional<Ec2Fault> {
    if (action == "RunInstances") {
      return Ec2Fault{403, "UnauthorizedOperation", "You are not authorized to perform this operation."};
    }
    if (action == "DescribeVpcs") return Ec2Fault{};  // throttled for good
    return std::nullopt;
  });
  ASSERT_NE(proxy, nullptr);
  Ec2FleetProvider provider = Provider(proxy->Url());
  const ServerGroupSpec spec = Spec("refused", "10.63.0.0/16");
  auto network = provider.EnsureNetwork(spec);
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(network.status().message().find("DescribeVpcs: RequestLimitExceeded"), std::string::npos)
      << network.status().ToString();
  EXPECT_EQ(proxy->requests("DescribeVpcs"), 4) << "max_attempts";

  GroupNetwork fake_network;
  fake_network.ids = {{"vpc", "vpc-1"}, {"subnet", "subnet-1"}, {"securityGroup", "sg-1"}};
  auto launched = provider.Launch(spec, fake_network, {{"refused-1", "r1"}});
  ASSERT_FALSE(launched.ok());
  EXPECT_EQ(launched.status().code(), StatusCode::kPermissionDenied) << launched.status().ToString();
  EXPECT_NE(launched.status().message().find("UnauthorizedOperation"), std::string::npos);
  EXPECT_EQ(proxy->requests("RunInstances"), 1) << "a refusal is not retried";
}

}  // namespace
}  // namespace kelola
