#include "integrations/notifier/receiver_auth.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kelola {
namespace {

TEST(ReceiverHeaders, BearerOrBasicAndExtraHeaders) {
  auto bearer = ReceiverHeaders({.bearer_token = "t0k", .headers = {"X-Team: ops", "X-Empty:"}});
  ASSERT_TRUE(bearer.ok()) << bearer.status().ToString();
  EXPECT_EQ(bearer->at("Authorization"), "Bearer t0k");
  EXPECT_EQ(bearer->at("X-Team"), "ops");
  EXPECT_EQ(bearer->at("X-Empty"), "");
  auto basic = ReceiverHeaders({.username = "am", .password = "pw"});
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->at("Authorization"), "Basic YW06cHc=");  // base64("am:pw")
  EXPECT_TRUE(ReceiverHeaders({})->empty());
}

TEST(ReceiverHeaders, ErrorsNameTheKey) {
  EXPECT_EQ(ReceiverHeaders({.bearer_token = "t", .username = "u"}).status().message(),
            "bearer_token: exclusive with basic_auth");
  EXPECT_EQ(ReceiverHeaders({.password = "p"}).status().message(),
            "basic_auth.username: required with basic_auth.password");
  EXPECT_EQ(ReceiverHeaders({.headers = {"nocolon"}}).status().message(), "headers[0]: expected \"Name: value\"");
  EXPECT_EQ(ReceiverHeaders({.headers = {"X-A: 1", "Bad Name: v"}}).status().message(),
            "headers[1]: \"Bad Name\" is not a header name");
  EXPECT_NE(ReceiverHeaders({.headers = {"authorization: Bearer x"}}).status().message().find("set by the notifier"),
            std::string::npos);
  EXPECT_FALSE(ReceiverHeaders({.bearer_token = "a\nb"}).ok());
}

TEST(ReceiverAuthSecrets, IncludeTheEncodedBasicCredentials) {
  auto secrets = ReceiverAuthSecrets({.username = "am", .password = "pw"});
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "YW06cHc="), secrets.end());
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "pw"), secrets.end());
}

}  // namespace
}  // namespace kelola
