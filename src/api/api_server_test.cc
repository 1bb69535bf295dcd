// The REST API in-process: a real HttpServer on a free port, a real SQLite
// store in a temp dir, and the real HTTP client.
#include "api/api_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/api_object.h"
#include "api/auth.h"
#include "net/http_client.h"

namespace kelola {
namespace {

using json = nlohmann::json;

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kelola-api-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    auto store = OpenSqliteStore((dir_ / "kelola.db").string(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto box = SecretBox::Create(std::string(32, 'm'));
    ASSERT_TRUE(box.ok());
    sealer_ = std::make_unique<SecretSealer>(*store_, std::move(*box));
    ctx_ =
        std::make_unique<ApiContext>(ApiContext{*store_, clock_, kinds_, *sealer_, "test",
                                                [] { return std::string("kelola_up 1\n"); }, nullptr, &shutting_down_});
    HttpServerOptions opts;
    opts.max_body_bytes = 64 * 1024;
    server_ = std::make_unique<HttpServer>(opts);
    RegisterApiRoutes(*server_, *ctx_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    admin_ = Issue("admin", Role::kAdmin);
    operator_ = Issue("ci", Role::kOperator);
    viewer_ = Issue("dash", Role::kViewer);
  }

  void TearDown() override {
    shutting_down_ = true;
    server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  std::string Issue(const std::string& name, Role role) {
    auto t = IssueToken(*store_, clock_, name, role);
    EXPECT_TRUE(t.ok());
    return t->plaintext;
  }

  ClientResponse Call(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& body = "") {
    ClientRequest req;
    req.method = method;
    req.url = base_ + path;
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    req.body = body;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }

  static json Body(const ClientResponse& r) { return json::parse(r.body, nullptr, false); }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  FakeClock clock_;
  KindRegistry kinds_ = BuiltinKinds();
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretSealer> sealer_;
  std::atomic<bool> shutting_down_{false};
  std::unique_ptr<ApiContext> ctx_;
  std::unique_ptr<HttpServer> server_;
  HttpClient client_{HttpClientOptions{.max_retries = 0}};
  std::string base_, admin_, operator_, viewer_;
};

const char* kHost = R"({"kind":"Host","metadata":{"name":"web-1","labels":{"env":"prod"}},
                        "spec":{"address":"10.0.0.5"}})";

TEST_F(ApiServerTest, CreateGetListDelete) {
  auto created = Call("PUT", "/v1/hosts/web-1", operator_, kHost);
  EXPECT_EQ(created.status, 201) << created.body;
  auto got = Call("GET", "/v1/hosts/web-1", viewer_);
  ASSERT_EQ(got.status, 200);
  json doc = Body(got);
  EXPECT_EQ(doc["kind"], "Host");
  EXPECT_EQ(doc["metadata"]["generation"], 1);
  EXPECT_EQ(doc["spec"]["port"], 22);

  Call("PUT", "/v1/hosts/web-2", operator_, R"({"metadata":{"labels":{"env":"dev"}},"spec":{"address":"10.0.0.6"}})");
  json list = Body(Call("GET", "/v1/hosts?labelSelector=env%3Dprod", viewer_));
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "web-1");

  json page = Body(Call("GET", "/v1/hosts?limit=1", viewer_));
  ASSERT_EQ(page["items"].size(), 1u);
  ASSERT_TRUE(page["metadata"].contains("continue"));
  json next =
      Body(Call("GET", "/v1/hosts?limit=1&continue=" + page["metadata"]["continue"].get<std::string>(), viewer_));
  ASSERT_EQ(next["items"].size(), 1u);
  EXPECT_EQ(next["items"][0]["metadata"]["name"], "web-2");

  EXPECT_EQ(Call("DELETE", "/v1/hosts/web-1", operator_).status, 200);
  EXPECT_EQ(Call("GET", "/v1/hosts/web-1", viewer_).status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/hosts/web-1", operator_).status, 404);
}

TEST_F(ApiServerTest, StaleResourceVersionIsConflictAndKeepsData) {
  json first = Body(Call("PUT", "/v1/hosts/web-1", operator_, kHost));
  std::string rv = first["metadata"]["resourceVersion"];
  json update = {{"metadata", {{"resourceVersion", rv}}}, {"spec", {{"address", "10.0.0.7"}}}};
  EXPECT_EQ(Call("PUT", "/v1/hosts/web-1", operator_, update.dump()).status, 200);
  update["spec"]["address"] = "10.0.0.8";
  auto stale = Call("PUT", "/v1/hosts/web-1", operator_, update.dump());
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(Body(stale)["error"]["code"], "ABORTED");
  EXPECT_EQ(Body(Call("GET", "/v1/hosts/web-1", viewer_))["spec"]["address"], "10.0.0.7");
}

TEST_F(ApiServerTest, BadInputIs4xxWithOneErrorShape) {
  Call("PUT", "/v1/hosts/web-1", operator_, kHost);
  struct Case {
    std::string method, path, body;
    int status;
    std::string code, message_part;
  };
  std::vector<Case> cases = {
      {"PUT", "/v1/hosts/web-1", "{not json", 400, "INVALID_ARGUMENT", "invalid JSON at line 1"},
      {"PUT", "/v1/hosts/web-1", R"({"spec":{"address":"a","port":"x"}})", 400, "INVALID_ARGUMENT", "spec.port"},
      {"PUT", "/v1/hosts/web-1", R"({"spec":{"address":"a","bogus":1}})", 400, "INVALID_ARGUMENT", "spec.bogus"},
      {"PUT", "/v1/widgets/x", "{}", 404, "NOT_FOUND", "unknown resource type \"widgets\""},
      {"GET", "/v1/hosts?limit=abc", "", 400, "INVALID_ARGUMENT", "limit"},
      {"GET", "/v1/hosts?labelSelector=a%20in%20(", "", 400, "INVALID_ARGUMENT", "labelSelector"},
      {"PUT", "/v1/hosts/web-1", std::string(70 * 1024, ' '), 413, "PAYLOAD_TOO_LARGE", ""},
  };
  for (const auto& c : cases) {
    auto r = Call(c.method, c.path, operator_, c.body);
    EXPECT_EQ(r.status, c.status) << c.path << " " << r.body;
    json err = Body(r);
    ASSERT_TRUE(err.contains("error")) << r.body;
    EXPECT_EQ(err["error"]["code"], c.code) << r.body;
    EXPECT_NE(err["error"]["message"].get<std::string>().find(c.message_part), std::string::npos) << r.body;
    EXPECT_TRUE(err["error"].contains("details"));
  }
  // Nothing stored was lost along the way.
  EXPECT_EQ(Body(Call("GET", "/v1/hosts/web-1", viewer_))["spec"]["address"], "10.0.0.5");
}

TEST_F(ApiServerTest, AuthenticationAndRoles) {
  EXPECT_EQ(Call("GET", "/v1/hosts", "").status, 401);
  EXPECT_EQ(Call("GET", "/v1/hosts", "kl_0000000000000000_nope").status, 401);
  EXPECT_EQ(Call("GET", "/v1/hosts", "garbage").status, 401);
  std::string tampered = viewer_;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(Call("GET", "/v1/hosts", tampered).status, 401);
  EXPECT_EQ(Call("PUT", "/v1/hosts/web-1", viewer_, kHost).status, 403);
  EXPECT_EQ(Call("POST", "/v1/tokens", operator_, R"({"name":"x","role":"admin"})").status, 403);
  auto created = Call("POST", "/v1/tokens", admin_, R"({"name":"robot","role":"viewer"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string robot = Body(created)["token"];
  EXPECT_EQ(Call("GET", "/v1/hosts", robot).status, 200);
  std::string id = Body(created)["id"];
  EXPECT_EQ(Call("DELETE", "/v1/tokens/" + id, admin_).status, 200);
  EXPECT_EQ(Call("GET", "/v1/hosts", robot).status, 401);
  // Listings never carry secrets.
  auto tokens = Call("GET", "/v1/tokens", admin_);
  EXPECT_EQ(tokens.body.find(robot.substr(20)), std::string::npos);
  // Unauthenticated endpoints.
  EXPECT_EQ(Call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(Call("GET", "/readyz", "").status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "").body, "kelola_up 1\n");
  EXPECT_EQ(Body(Call("GET", "/v1/version", ""))["version"], "test");
}

TEST_F(ApiServerTest, ExpiredTokenIsRejected) {
  auto t = IssueToken(*store_, clock_, "short", Role::kViewer, std::chrono::seconds(60));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Call("GET", "/v1/hosts", t->plaintext).status, 200);
  clock_.Advance(std::chrono::seconds(61));
  auto r = Call("GET", "/v1/hosts", t->plaintext);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("expired"), std::string::npos);
}

TEST_F(ApiServerTest, SecretsAreSealedAndNeverReturned) {
  auto r = Call("PUT", "/v1/secrets/db-password", operator_,
                R"({"spec":{"type":"password","value":"hunter2-very-secret"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  auto got = Call("GET", "/v1/secrets/db-password", viewer_);
  EXPECT_EQ(got.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(Body(got)["spec"], json({{"type", "password"}}));
  auto stored = store_->GetResource("Secret", "db-password");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->spec_json.find("hunter2"), std::string::npos);
  auto resolved = sealer_->Resolve("db-password");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(*resolved, "hunter2-very-secret");
  // The event log never carries it either.
  auto events = store_->ListEvents(EventFilter{});
  ASSERT_TRUE(events.ok());
  for (const auto& e : *events) EXPECT_EQ(e.data_json.find("hunter2"), std::string::npos);
}

TEST_F(ApiServerTest, MutationsAreAudited) {
  Call("PUT", "/v1/hosts/web-1", operator_, kHost);
  Call("PUT", "/v1/hosts/web-2", viewer_, kHost);
  auto events = store_->ListEvents(EventFilter{.type_prefix = "audit.request"});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].actor, "token:ci");
  EXPECT_NE((*events)[0].data_json.find("\"status\":201"), std::string::npos);
  EXPECT_EQ((*events)[1].actor, "token:dash");
  EXPECT_NE((*events)[1].data_json.find("\"status\":403"), std::string::npos);
  auto changes = store_->ListEvents(EventFilter{.type_prefix = "resource."});
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].subject, "Host/web-1");
}

TEST_F(ApiServerTest, EventsFollowStreamsNewEvents) {
  Call("PUT", "/v1/hosts/web-1", operator_, kHost);
  std::vector<json> seen;
  std::atomic<size_t> seen_count{0};
  std::thread writer([&] {
    // Wait until the stream has replayed the first change, then write more.
    while (seen_count.load() == 0) std::this_thread::yield();
    Call("PUT", "/v1/hosts/web-2", operator_, R"({"spec":{"address":"b"}})");
  });
  ClientRequest req;
  req.url = base_ + "/v1/events?follow=1&type=resource.";
  req.headers["Authorization"] = "Bearer " + viewer_;
  req.timeout = std::chrono::milliseconds(20'000);
  auto r = client_.Stream(req, [&](std::string_view line) {
    if (line.rfind("data: ", 0) == 0) {
      seen.push_back(json::parse(line.substr(6)));
      seen_count = seen.size();
    }
    return seen.size() < 2;
  });
  seen_count = std::max<size_t>(seen_count.load(), 1);  // releases the writer even if the stream failed
  writer.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0]["subject"], "Host/web-1");
  EXPECT_EQ(seen[1]["subject"], "Host/web-2");
  EXPECT_LT(seen[0]["id"].get<int64_t>(), seen[1]["id"].get<int64_t>());
}

TEST_F(ApiServerTest, OpenApiDocumentDescribesKinds) {
  json doc = Body(Call("GET", "/v1/openapi.json", ""));
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"].contains("/v1/hosts/{name}"));
  EXPECT_TRUE(doc["paths"].contains("/v1/secrets"));
  EXPECT_EQ(doc["components"]["schemas"]["HostSpec"]["properties"]["port"]["maximum"], 65535);
  EXPECT_EQ(doc["components"]["schemas"]["SecretSpec"]["properties"]["value"]["writeOnly"], true);
}

TEST_F(ApiServerTest, ScalingPoliciesAreValidatedWithTheFieldNamed) {
  Resource group;  // a policy must name an existing group (scaling_policy_handlers_test.cc)
  group.kind = "ServerGroup";
  group.name = "web";
  group.spec_json = R"({"provider":"static","count":2})";
  ASSERT_TRUE(store_->PutResource(group, {}).ok());
  const std::string good = R"({"kind":"ScalingPolicy","metadata":{"name":"web-cpu"},
      "spec":{"group":"web","minHosts":2,"maxHosts":20,"targetTracking":{"metric":"cpu_busy_percent","target":60},
              "behavior":{"scaleDown":{"stabilizationWindowSeconds":600}},"warmupSeconds":60}})";
  auto ok = Call("PUT", "/v1/scaling-policies/web-cpu", operator_, good);
  ASSERT_EQ(ok.status, 201) << ok.body;
  json stored = Body(Call("GET", "/v1/scaling-policies/web-cpu", viewer_));
  EXPECT_EQ(stored["spec"]["targetTracking"]["target"], 60);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"group":"web","minHosts":5,"maxHosts":2,"targetTracking":{"metric":"cpu","target":60}})",
       "spec.minHosts (5) is above spec.maxHosts (2)"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"","target":60}})",
       "spec.targetTracking.metric must not be empty"},
      {R"({"group":"web","maxHosts":2,"scheduled":[{"cron":"61 * * * *","min":1}]})",
       "spec.scheduled[0].cron: cron \"61 * * * *\": minute: 61 is out of range 0-59"},
  };
  for (const auto& [spec, part] : cases) {
    auto r = Call("PUT", "/v1/scaling-policies/p", operator_,
                  R"({"kind":"ScalingPolicy","metadata":{"name":"p"},"spec":)" + spec + "}");
    EXPECT_EQ(r.status, 400) << spec << " " << r.body;
    json err = Body(r);
    ASSERT_TRUE(err.contains("error")) << r.body;
    EXPECT_NE(err["error"]["message"].get<std::string>().find(part), std::string::npos) << r.body;
  }
}

TEST_F(ApiServerTest, AlertRulesAreValidatedWithTheFieldNamed) {
  const std::string good = R"({"kind":"AlertRule","metadata":{"name":"api-errors"},
      "spec":{"selector":{"service":"api"},"level":"error","match":"timeout|refused","groupBy":["service","template"],
              "detector":{"type":"spike","bucket":"1m","window":"2h","sensitivity":5,"minCount":20},
              "for":"2m","severity":"critical","labels":{"team":"payments"},
              "annotations":{"summary":"error spike on api"}}})";
  auto ok = Call("PUT", "/v1/alertrules/api-errors", operator_, good);
  ASSERT_EQ(ok.status, 201) << ok.body;
  json stored = Body(Call("GET", "/v1/alertrules/api-errors", viewer_));
  EXPECT_EQ(stored["spec"]["detector"]["minCount"], 20);
  EXPECT_EQ(stored["spec"]["severity"], "critical");

  auto rule = [](const std::string& spec) {
    return R"({"kind":"AlertRule","metadata":{"name":"r"},"spec":)" + spec + "}";
  };
  struct Case {
    std::string spec, message_part;
  };
  const std::vector<Case> cases = {
      {R"({"detector":{"type":"zscore"}})", "spec.detector.type: expected one of spike|new_term"},
      {R"({"match":"(unclosed","detector":{"type":"frequency","threshold":5}})",
       "spec.match: not a valid RE2 regular expression: missing )"},
      {R"({"match":"(?<=lookbehind)x","detector":{"type":"frequency","threshold":5}})", "spec.match"},
      {R"({"detector":{"type":"spike","bucket":"5 minutes"}})", "spec.detector.bucket"},
      {R"({"for":"soon","detector":{"type":"spike"}})", "spec.for"},
      {R"({"detector":{"type":"frequency","threshold":5,"timeframe":"-5m"}})", "spec.detector.timeframe"},
      {R"({"detector":{"type":"frequency"}})", "spec.detector.threshold: required for frequency"},
      {R"({"detector":{"type":"frequency","threshold":5,"sensitivity":3}})",
       "spec.detector.sensitivity: not a parameter of the frequency detector"},
      {R"({"detector":{"type":"silence","quietFor":"50m"}})", "spec.detector.window"},
      {R"({"detector":{"type":"spike","minHistor":3}})", "spec.detector.minHistor: unknown field"},
      {R"({"level":"loud","detector":{"type":"spike"}})", "spec.level"},
      {R"({"severity":"page","detector":{"type":"spike"}})", "spec.severity"},
      {R"({"selector":{"service":"api"}})", "spec.detector: required field is missing"},
  };
  for (const Case& c : cases) {
    auto r = Call("PUT", "/v1/alertrules/r", operator_, rule(c.spec));
    EXPECT_EQ(r.status, 400) << c.spec << " " << r.body;
    json err = Body(r);
    ASSERT_TRUE(err.contains("error")) << r.body;
    EXPECT_EQ(err["error"]["code"], "INVALID_ARGUMENT");
    EXPECT_NE(err["error"]["message"].get<std::string>().find(c.message_part), std::string::npos)
        << c.spec << " -> " << r.body;
  }
  EXPECT_EQ(Call("GET", "/v1/alertrules/r", viewer_).status, 404);

  // The CLI's YAML path names the line of a YAML syntax error before anything is sent.
  auto yaml = ParseYamlDocuments("kind: AlertRule\nspec:\n  detector: {type: spike\n", "rule.yaml");
  ASSERT_FALSE(yaml.ok());
  EXPECT_NE(yaml.status().message().find("rule.yaml"), std::string::npos) << yaml.status().message();

  json doc = Body(Call("GET", "/v1/openapi.json", ""));
  EXPECT_TRUE(doc["paths"].contains("/v1/alertrules/{name}"));
  EXPECT_EQ(doc["components"]["schemas"]["AlertRuleSpec"]["properties"]["detector"]["properties"]["type"]["enum"][0],
            "spike");
}

}  // namespace
}  // namespace kelola
