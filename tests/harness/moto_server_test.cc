#include "tests/harness/moto_server.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "tests/harness/http_call.h"

namespace kelola::harness {
namespace {

// EC2 answers a (not even signed) DescribeVpcs with its default VPC: moto
// is up and serving the Query API on loopback; the destructor stops it.
TEST(MotoServerTest, ServesEc2OnLoopbackAndStopsByPid) {
  auto moto = MotoServer::Start();
  ASSERT_TRUE(moto.ok()) << moto.status().ToString();
  const pid_t pid = (*moto)->pid();
  EXPECT_EQ((*moto)->url().rfind("http://127.0.0.1:", 0), 0u);

  HttpRequestSpec describe;
  describe.method = "POST";
  describe.url = (*moto)->url() + "/";
  describe.headers = {"Content-Type: application/x-www-form-urlencoded",
                      "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ec2/aws4_request, "
                      "SignedHeaders=host, Signature=0"};
  describe.body = "Action=DescribeVpcs&Version=2016-11-15";
  auto reply = HttpCall(describe);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200) << reply->body;
  EXPECT_NE(reply->body.find("<isDefault>true</isDefault>"), std::string::npos) << reply->body;

  ASSERT_TRUE((*moto)->Reset().ok());
  moto->reset();
  EXPECT_NE(kill(pid, 0), 0) << "moto_server still running after the harness stopped it";
}

}  // namespace
}  // namespace kelola::harness
