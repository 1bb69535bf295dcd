// Proves AlertmanagerServer: the real Alertmanager answers on its port with
// the config it was given, and is gone after destruction.
#include "tests/harness/alertmanager_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"

namespace kelola::harness {
namespace {

TEST(AlertmanagerServerTest, ServesV2WithTheGivenConfig) {
  int port = 0;
  {
    auto am = AlertmanagerServer::Start();
    if (am.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << am.status().message();
    ASSERT_TRUE(am.ok()) << am.status().ToString();
    port = (*am)->port();
    HttpRequestSpec request;
    request.url = (*am)->url() + "/api/v2/status";
    auto reply = HttpCall(request);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    ASSERT_EQ(reply->status, 200) << reply->body;
    auto status = nlohmann::json::parse(reply->body);
    EXPECT_NE(status["config"]["original"].get<std::string>().find("receiver: \"null\""), std::string::npos)
        << status["config"]["original"];
    EXPECT_EQ(status["cluster"]["status"], "disabled") << "gossip must be off";
  }
  EXPECT_FALSE(PortAcceptsConnections(port));
}

}  // namespace
}  // namespace kelola::harness
