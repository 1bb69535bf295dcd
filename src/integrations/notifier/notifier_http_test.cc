#include "integrations/notifier/notifier_http.h"

#include <gtest/gtest.h>

#include "integrations/notifier/receiver_for_test.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(NotifierHttp, TimeoutIsRetryAndNamesNoUrl) {
  testing::SilentListener silent;
  ASSERT_NE(silent.port(), 0);
  NotifierHttp http(ReceiverHttpOptions{.timeout = milliseconds(300)});
  const std::string url = silent.url("/services/T0/B0/supersecret");
  auto start = std::chrono::steady_clock::now();
  auto r = http.PostJson(url, {}, "{}");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(took, seconds(3));
  NotifyAttempt a = TransportFailureAttempt(r.status(), "Slack webhook");
  EXPECT_EQ(a.kind, NotifyAttempt::Kind::kRetry);
  EXPECT_EQ(a.detail, "Slack webhook: no answer within 300ms");
}

TEST(NotifierHttp, RefusedConnectionIsRetryAndNamesNoUrl) {
  uint16_t port;
  {
    testing::RecordingReceiver gone;
    ASSERT_TRUE(gone.started());
    port = gone.port();
  }
  NotifierHttp http(ReceiverHttpOptions{.timeout = seconds(2)});
  auto r = http.PostJson("http://127.0.0.1:" + std::to_string(port) + "/hook/supersecret", {}, "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("supersecret"), std::string::npos) << r.status().message();
  EXPECT_EQ(TransportFailureAttempt(r.status(), "x").kind, NotifyAttempt::Kind::kRetry);
}

TEST(NotifierHttp, PostsJsonWithHeadersOnce) {
  testing::RecordingReceiver receiver;
  ASSERT_TRUE(receiver.started());
  receiver.Answer(HttpResponse::Text(503, "busy"));
  NotifierHttp http(ReceiverHttpOptions{});
  auto r = http.PostJson(receiver.url("/x"), {{"Authorization", "Bearer t"}}, R"({"a":1})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 503);
  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 1u) << "a notifier request is never retried by the client";
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].headers.at("Content-Type"), "application/json");
  EXPECT_EQ(got[0].headers.at("Authorization"), "Bearer t");
  EXPECT_EQ(got[0].body, R"({"a":1})");
}

}  // namespace
}  // namespace kelola
