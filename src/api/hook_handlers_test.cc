// Webhook intake and the runs API in-process: a real HttpServer, a real
// SQLite store, the real HTTP client, and the real GitHub payload examples
// from /work/shared/data/github-webhooks signed here.
#include "api/hook_handlers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/api_server.h"
#include "api/auth.h"
#include "base/crypto.h"
#include "net/http_client.h"
#include "pipeline/inbox_consumer.h"
#include "pipeline/run.h"

namespace kelola {
namespace {

using json = nlohmann::json;

const std::string kExamples = "/work/shared/data/github-webhooks/";
const std::string kHookSecret = "It's a Secret to Everybody";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class HookHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kelola-hook-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    auto store = OpenSqliteStore((dir_ / "kelola.db").string(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto box = SecretBox::Create(std::string(32, 'm'));
    ASSERT_TRUE(box.ok());
    sealer_ = std::make_unique<SecretSealer>(*store_, std::move(*box));
    ctx_ = std::make_unique<ApiContext>(
        ApiContext{*store_, clock_, kinds_, *sealer_, "test", [] { return std::string(); }, nullptr, &shutting_down_});
    server_ = std::make_unique<HttpServer>(HttpServerOptions{});
    RegisterApiRoutes(*server_, *ctx_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    operator_ = IssueToken(*store_, clock_, "ci", Role::kOperator)->plaintext;
    PutSecret("hook-secret", kHookSecret);
    PutPipeline("hello", R"({"forge":"github","repository":"Codertocat/Hello-World","webhookSecret":"hook-secret"})");
  }

  void TearDown() override {
    shutting_down_ = true;
    server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  void PutSecret(const std::string& name, const std::string& value) {
    Resource r;
    r.kind = "Secret";
    r.name = name;
    r.spec_json = sealer_->SealSpec(name, "webhook-secret", value).value();
    ASSERT_TRUE(store_->PutResource(r, PutOptions{}).ok());
  }

  void PutPipeline(const std::string& name, const std::string& spec) {
    Resource r;
    r.kind = "Pipeline";
    r.name = name;
    r.spec_json = spec;
    ASSERT_TRUE(store_->PutResource(r, PutOptions{}).ok());
  }

  ClientResponse GitHub(const std::string& event, const std::string& body, const std::string& delivery,
                        const std::string& secret = kHookSecret, bool sign = true,
                        const std::string& content_type = "application/json") {
    ClientRequest req;
    req.method = "POST";
    req.url = base_ + "/v1/hooks/github";
    req.headers["Content-Type"] = content_type;
    req.headers["X-GitHub-Event"] = event;
    req.headers["X-GitHub-Delivery"] = delivery;
    if (sign) req.headers["X-Hub-Signature-256"] = "sha256=" + HexEncode(HmacSha256(secret, body));
    req.body = body;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }

  ClientResponse Call(const std::string& method, const std::string& path) {
    ClientRequest req;
    req.method = method;
    req.url = base_ + path;
    req.headers["Authorization"] = "Bearer " + operator_;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }

  std::vector<RunRecord> Runs() { return store_->ListRuns(RunFilter{}).value(); }
  size_t InboxSize() { return store_->ListInbox(InboxFilter{false, 0, 1000}).value().size(); }
  void Consume() { ASSERT_TRUE(InboxConsumer(*store_, clock_).Reconcile(kInboxKey).ok()); }

  std::string Example(const std::string& path) {
    std::string body = ReadFile(kExamples + path);
    EXPECT_FALSE(body.empty()) << "missing example " << path;
    return body;
  }

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
  std::string base_, operator_;
};

TEST_F(HookHandlersTest, SignedPushIsStoredAndQueuesARunWithItsShaAndRef) {
  auto r = GitHub("push", Example("push/with-new-branch.payload.json"), "d-push-1");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["pipelines"], json::array({"hello"}));
  EXPECT_EQ(InboxSize(), 1u);
  Consume();
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  auto run = RunFromRecord(runs[0]).value();
  EXPECT_EQ(run.sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
  EXPECT_EQ(run.ref, "refs/heads/master");
  EXPECT_EQ(run.delivery_id, "d-push-1");
  EXPECT_EQ(run.status, "queued");
  EXPECT_EQ(run.pipeline, "hello");

  auto listed = Call("GET", "/v1/runs?pipeline=hello");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(json::parse(listed.body)["items"][0]["sha"], run.sha);
  auto got = Call("GET", "/v1/runs/" + run.id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body)["trigger"]["deliveryId"], "d-push-1");
}

// GitHub's other content type: payload=<url-encoded JSON>, signed as sent.
TEST_F(HookHandlersTest, FormEncodedPushIsDecodedAndQueued) {
  const std::string json_body = Example("push/with-new-branch.payload.json");
  std::string form = "payload=";
  for (unsigned char c : json_body) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      form += static_cast<char>(c);
    } else if (c == ' ') {
      form += '+';
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      form += buf;
    }
  }
  const std::string ct = "application/x-www-form-urlencoded";
  // Signed over the JSON instead of the form body as sent: refused.
  ClientRequest wrong;
  wrong.method = "POST";
  wrong.url = base_ + "/v1/hooks/github";
  wrong.headers["Content-Type"] = ct;
  wrong.headers["X-GitHub-Event"] = "push";
  wrong.headers["X-GitHub-Delivery"] = "d-form-0";
  wrong.headers["X-Hub-Signature-256"] = "sha256=" + HexEncode(HmacSha256(kHookSecret, json_body));
  wrong.body = form;
  auto refused = client_.Send(wrong);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);

  auto r = GitHub("push", form, "d-form-1", kHookSecret, true, ct);
  EXPECT_EQ(r.status, 202) << r.body;
  Consume();
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  auto run = RunFromRecord(runs[0]).value();
  EXPECT_EQ(run.sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
  EXPECT_EQ(run.ref, "refs/heads/master");
  // A signed form without a payload field, or with a broken escape: 400, nothing stored.
  EXPECT_EQ(GitHub("push", "other=1", "d-form-2", kHookSecret, true, ct).status, 400);
  EXPECT_EQ(GitHub("push", "payload=%7", "d-form-3", kHookSecret, true, ct).status, 400);
  EXPECT_EQ(InboxSize(), 1u);
}

TEST_F(HookHandlersTest, WrongOrMissingSignatureIs401AuditedAndStoresNothing) {
  const std::string body = Example("push/with-new-branch.payload.json");
  EXPECT_EQ(GitHub("push", body, "d-bad", "not the secret").status, 401);
  EXPECT_EQ(GitHub("push", body, "d-none", kHookSecret, /*sign=*/false).status, 401);
  // Signed for another body: a tampered payload.
  ClientResponse tampered = GitHub("push", body + " ", "d-tampered");
  EXPECT_EQ(tampered.status, 202);  // whitespace is part of the signed bytes: this one is valid
  EXPECT_EQ(InboxSize(), 1u);
  auto audits = store_->ListEvents(EventFilter{0, "audit.webhook.rejected", "", 100}).value();
  ASSERT_EQ(audits.size(), 2u);
  EXPECT_NE(audits[0].data_json.find("signature matches no pipeline"), std::string::npos);
  EXPECT_NE(audits[1].data_json.find("no signature"), std::string::npos);
  EXPECT_EQ(audits[0].data_json.find(kHookSecret), std::string::npos);
}

TEST_F(HookHandlersTest, ReplayedDeliveryIsAcknowledgedAndQueuedOnce) {
  const std::string body = Example("push/with-new-branch.payload.json");
  EXPECT_EQ(GitHub("push", body, "d-replay").status, 202);
  Consume();
  auto again = GitHub("push", body, "d-replay");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["duplicate"], true);
  Consume();
  EXPECT_EQ(InboxSize(), 1u);
  EXPECT_EQ(Runs().size(), 1u);
}

TEST_F(HookHandlersTest, PingAndUnrelatedEventsAreAcknowledgedNotQueued) {
  // The example ping is for Octocoders/Hello-World: no pipeline of that repository yet.
  EXPECT_EQ(GitHub("ping", Example("ping/payload.json"), "d-ping").status, 401);
  PutPipeline("octo", R"({"forge":"github","repository":"Octocoders/Hello-World","webhookSecret":"hook-secret"})");
  auto ping = GitHub("ping", Example("ping/payload.json"), "d-ping");
  EXPECT_EQ(ping.status, 200) << ping.body;
  EXPECT_EQ(json::parse(ping.body)["event"], "ping");
  for (const char* event : {"release", "create"}) {  // workflow_dispatch's example is another repository
    std::string dir = kExamples + event;
    std::string file;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      file = f.path().string();
      break;
    }
    ASSERT_FALSE(file.empty());
    auto r = GitHub(event, ReadFile(file), std::string("d-") + event);
    EXPECT_EQ(r.status, 200) << event << ": " << r.body;
    EXPECT_TRUE(json::parse(r.body).contains("ignored")) << r.body;
  }
  auto closed = GitHub("pull_request", Example("pull_request/closed.payload.json"), "d-closed");
  EXPECT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(InboxSize(), 0u);
  EXPECT_TRUE(Runs().empty());
}

TEST_F(HookHandlersTest, PullRequestQueuesWhenThePipelineAsksForIt) {
  PutPipeline("hello", R"({"forge":"github","repository":"Codertocat/Hello-World","webhookSecret":"hook-secret",
                          "events":["pull_request"]})");
  auto r = GitHub("pull_request", Example("pull_request/opened.payload.json"), "d-pr");
  EXPECT_EQ(r.status, 202) << r.body;
  Consume();
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(RunFromRecord(runs[0])->event, "pull_request");
}

TEST_F(HookHandlersTest, GitLabTokenIsComparedAndDeliveriesDeduplicated) {
  PutSecret("gl-token", "gl-secret-token");
  PutPipeline("gl", R"({"forge":"gitlab","repository":"group/app","webhookSecret":"gl-token"})");
  const std::string body = R"({"object_kind":"push","ref":"refs/heads/main","before":"b","after":"a1",
    "checkout_sha":"a1","project":{"path_with_namespace":"group/app"},"commits":[]})";
  auto send = [&](const std::string& token) {
    ClientRequest req;
    req.method = "POST";
    req.url = base_ + "/v1/hooks/gitlab";
    req.headers["X-Gitlab-Event"] = "Push Hook";
    req.headers["X-Gitlab-Token"] = token;
    req.headers["X-Gitlab-Event-UUID"] = "uuid-1";
    req.body = body;
    return client_.Send(req).value();
  };
  EXPECT_EQ(send("wrong").status, 401);
  EXPECT_EQ(send("gl-secret-token").status, 202);
  EXPECT_EQ(send("gl-secret-token").status, 200);
  Consume();
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(RunFromRecord(runs[0])->sha, "a1");
}

TEST_F(HookHandlersTest, CancelAndRetryOverTheApi) {
  ASSERT_EQ(GitHub("push", Example("push/with-new-branch.payload.json"), "d-c").status, 202);
  Consume();
  const std::string id = Runs()[0].id;
  EXPECT_EQ(Call("POST", "/v1/runs/" + id + "/retry").status, 422);
  auto cancelled = Call("POST", "/v1/runs/" + id + "/cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(json::parse(cancelled.body)["status"], "cancelled");
  auto retried = Call("POST", "/v1/runs/" + id + "/retry");
  ASSERT_EQ(retried.status, 201) << retried.body;
  EXPECT_EQ(json::parse(retried.body)["status"], "queued");
  EXPECT_EQ(json::parse(retried.body)["trigger"]["retryOf"], id);
  EXPECT_EQ(Call("GET", "/v1/runs/nope").status, 404);
  EXPECT_EQ(Runs().size(), 2u);
}

}  // namespace
}  // namespace kelola
