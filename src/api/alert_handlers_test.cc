// GET /v1/alerts and /v1/silences in-process: a real HttpServer on a free
// port, a SQLite store in a temp dir, alerts written by the real
// AlertManager, and bad input answered with 400s naming the field.
#include "api/alert_handlers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "alerting/alert_manager.h"
#include "api/auth.h"
#include "api/in_process_api_for_test.h"
#include "base/crypto.h"
#include "net/http_client.h"

namespace kelola {
namespace {

using json = nlohmann::json;

class AlertHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { api_.Start(); }
  ClientResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                      const std::string& token = "") {
    return api_.Call(method, path, body, token);
  }
  size_t EventCount(const std::string& type) {
    EventFilter f;
    f.type_prefix = type;
    return store_.ListEvents(f).value().size();
  }

  InProcessApi api_;
  FakeClock& clock_ = api_.clock;
  Store& store_ = *api_.store;
  const std::string& viewer_ = api_.viewer_token;
};

TEST_F(AlertHandlersTest, SilenceCreateListExpire) {
  std::string ends = FormatRfc3339(clock_.Now() + std::chrono::hours(2));
  auto created = Call("POST", "/v1/silences",
                      R"({"matchers":[{"name":"service","value":"api","isRegex":false,"isEqual":true}],"endsAt":")" +
                          ends + R"(","comment":"deploy"})");
  ASSERT_EQ(created.status, 201) << created.body;
  json c = json::parse(created.body);
  std::string id = c["silenceID"];
  EXPECT_EQ(c["status"]["state"], "active");
  EXPECT_EQ(c["createdBy"], "ops");
  EXPECT_EQ(EventCount("alert.silence.created"), 1u);

  auto got = Call("GET", "/v1/silences/" + id, "", viewer_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_NE(got.body.find("service=\\\"api\\\""), std::string::npos) << got.body;
  auto list = Call("GET", "/v1/silences", "", viewer_);
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(id), std::string::npos);

  EXPECT_EQ(Call("PUT", "/v1/silences/" + id, "{}").status, 405);
  EXPECT_EQ(Call("DELETE", "/v1/silences/" + id, "", viewer_).status, 403);
  auto expired = Call("DELETE", "/v1/silences/" + id);
  ASSERT_EQ(expired.status, 200) << expired.body;
  EXPECT_EQ(json::parse(expired.body)["status"]["state"], "expired");
  EXPECT_EQ(EventCount("alert.silence.expired"), 1u);
  auto stored = store_.GetResource("Silence", id).value();
  EXPECT_NE(stored.status_json.find("expired"), std::string::npos);
  EXPECT_EQ(Call("DELETE", "/v1/silences/" + id).status, 200);  // idempotent
  EXPECT_EQ(EventCount("alert.silence.expired"), 1u);
  EXPECT_EQ(Call("DELETE", "/v1/silences/nope").status, 404);
}

TEST_F(AlertHandlersTest, BadSilenceBodiesAre400sNamingTheField) {
  std::string ends = FormatRfc3339(clock_.Now() + std::chrono::hours(2));
  struct Case {
    std::string body;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"{", "body: not valid JSON"},
           {R"({"matchers":[{"name":"service"}],"endsAt":")" + ends + "\"}", "matchers[0].value: required"},
           {R"({"matchers":["service=~\"(\""],"endsAt":")" + ends + "\"}", "matchers[0]: at offset 0: regex"},
           {R"({"matchers":["service=\"api\""],"endsAt":"2020-01-01T00:00:00Z"})", "endsAt: must be"},
           {R"({"matchers":["service=\"api\""]})", "endsAt: required"},
       }) {
    auto r = Call("POST", "/v1/silences", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body.find(c.error), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(Call("POST", "/v1/silences", R"({"matchers":["a=\"b\""],"endsAt":")" + ends + "\"}", viewer_).status, 403);
}

TEST_F(AlertHandlersTest, ListAlertsFiltersByStateAndMatchers) {
  RoutingConfig config;
  config.root.key = "{}";
  AlertManager manager(config, store_, clock_);
  ASSERT_TRUE(manager.Load().ok());
  AlertSignal api;
  api.labels = {{"alertname", "ErrorSpike"}, {"service", "api"}, {"severity", "critical"}};
  ASSERT_TRUE(manager.Report(api).ok());
  AlertSignal web = api;
  web.labels["service"] = "web";
  web.for_duration = std::chrono::minutes(5);
  ASSERT_TRUE(manager.Report(web).ok());

  auto all = Call("GET", "/v1/alerts", "", viewer_);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(json::parse(all.body)["items"].size(), 2u);
  auto firing = Call("GET", "/v1/alerts?state=firing", "", viewer_);
  json items = json::parse(firing.body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["labels"]["service"], "api");
  EXPECT_EQ(items[0]["status"]["state"], "active");
  EXPECT_EQ(items[0]["fingerprint"].get<std::string>().size(), 16u);
  auto filtered = Call("GET", "/v1/alerts?filter=%7Bservice%3D~%22w.%2A%22%7D", "", viewer_);
  items = json::parse(filtered.body)["items"];
  ASSERT_EQ(items.size(), 1u) << filtered.body;
  EXPECT_EQ(items[0]["state"], "pending");

  auto bad = Call("GET", "/v1/alerts?filter=service", "", viewer_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("filter: at offset 7"), std::string::npos) << bad.body;
  auto bad_state = Call("GET", "/v1/alerts?state=burning", "", viewer_);
  EXPECT_EQ(bad_state.status, 400);
  EXPECT_NE(bad_state.body.find("state: expected pending, firing or resolved"), std::string::npos);
}

}  // namespace
}  // namespace kelola
