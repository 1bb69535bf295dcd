// The deploy routes in-process: a real HttpServer on a free port and a
// SQLite store. Targets are validated by the deploy decoder (400 naming the
// field); deploy and rollback make Pending releases (202), a bad commit is a
// 409 naming its release unless forced, releases list newest first and
// cannot be written by hand.
#include "api/deploy_handlers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/in_process_api_for_test.h"
#include "deploy/release_requests.h"

namespace kelola {
namespace {

using json = nlohmann::json;

class DeployHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.Start();
    ASSERT_EQ(
        PutTarget("web", {{"kind", "dockerhosts"}, {"dockerhosts", {{"hostSelector", {{"role", "web"}}}}}}).status,
        201);
  }
  ClientResponse PutTarget(const std::string& name, const json& spec) {
    json doc = {{"apiVersion", "kelola.io/v1"}, {"kind", "Target"}, {"metadata", {{"name", name}}}, {"spec", spec}};
    return api_.Call("PUT", "/v1/targets/" + name, doc.dump());
  }
  json Deploy(const json& body, int want, const std::string& target = "web") {
    auto r = api_.Call("POST", "/v1/targets/" + target + "/deploy", body.dump());
    EXPECT_EQ(r.status, want) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  // As the release controller leaves a release.
  void SetStatus(const std::string& release, ReleaseState state, bool bad = false) {
    Resource r = api_.store->GetResource("Release", release).value();
    ReleaseStatus s;
    s.state = state;
    s.bad = bad;
    s.started_at = api_.clock.Now();
    r.status_json = EncodeReleaseStatus(s);
    auto spec = DecodeReleaseSpec(release, r.spec_json).value();
    spec.image_digest = "127.0.0.1:5000/web@sha256:" + std::string(64, 'a');
    r.spec_json = EncodeReleaseSpec(spec);
    ASSERT_TRUE(api_.store->PutResource(r, {}).ok());
  }
  static std::string ErrorMessage(const json& body) { return body["error"]["message"].get<std::string>(); }

  InProcessApi api_;
};

TEST_F(DeployHandlersTest, TargetSpecsAreValidatedByTheDeployDecoder) {
  auto r = PutTarget(
      "api", {{"kind", "dockerhosts"}, {"dockerhosts", {{"hostSelector", {{"role", "api"}}}, {"batch", "150%"}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("spec.dockerhosts.batch: \\\"150%\\\" is over 100%"), std::string::npos) << r.body;
  r = PutTarget("api", {{"kind", "swarm"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("spec.kind"), std::string::npos) << r.body;
}

TEST_F(DeployHandlersTest, DeployMakesPendingReleasesNamedPerTarget) {
  json first = Deploy({{"image", "127.0.0.1:5000/web:v1"}, {"commit", "aaaa1111"}, {"trigger", "cli"}}, 202);
  EXPECT_EQ(first["metadata"]["name"], "web-1");
  EXPECT_EQ(first["kind"], "Release");
  EXPECT_EQ(first["spec"]["trigger"]["kind"], "cli");
  EXPECT_EQ(first["spec"]["trigger"]["by"], "token:ops");
  EXPECT_EQ(first["status"]["state"], "Pending");
  EXPECT_FALSE(first["spec"].contains("previous"));
  SetStatus("web-1", ReleaseState::kSucceeded);
  json second = Deploy({{"image", "127.0.0.1:5000/web:v2"}}, 202);
  EXPECT_EQ(second["metadata"]["name"], "web-2");
  EXPECT_EQ(second["spec"]["previous"], "web-1");
  EXPECT_EQ(second["spec"]["trigger"]["kind"], "api");

  auto list = api_.Call("GET", "/v1/targets/web/releases", "", api_.viewer_token);
  ASSERT_EQ(list.status, 200) << list.body;
  json items = json::parse(list.body)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["metadata"]["name"], "web-2");
  EXPECT_EQ(items[1]["metadata"]["name"], "web-1");

  EventFilter f;
  f.type_prefix = "deploy.release.requested";
  EXPECT_EQ(api_.store->ListEvents(f).value().size(), 2u);
}

TEST_F(DeployHandlersTest, BadInputIsA400NamingTheFieldAndUnknownTargetsA404) {
  EXPECT_EQ(ErrorMessage(Deploy({{"image", "x"}, {"tag", "v1"}}, 400)), "tag: unknown field");
  EXPECT_EQ(ErrorMessage(Deploy({{"commit", "aaaa1111"}}, 400)), "image: required (\"registry/repository:tag\")");
  EXPECT_EQ(ErrorMessage(Deploy({{"image", "x"}, {"force", "yes"}}, 400)), "force must be true or false");
  EXPECT_EQ(ErrorMessage(Deploy({{"image", "x"}, {"commit", "HEA"}}, 400)), "commit: 4 to 64 hex digits");
  EXPECT_EQ(ErrorMessage(Deploy({{"image", "x"}, {"commit", "XYZW"}}, 400)),
            "commit: \"XYZW\" is not a lower-case hex commit id");
  EXPECT_EQ(ErrorMessage(Deploy({{"image", "x"}}, 404, "nope")), "target \"nope\" not found");
  EXPECT_EQ(api_.Call("POST", "/v1/targets/web/deploy", "{", "").status, 400);
  EXPECT_EQ(api_.Call("GET", "/v1/targets/nope/releases").status, 404);
}

TEST_F(DeployHandlersTest, ABadCommitIsRefusedUnlessForced) {
  Deploy({{"image", "127.0.0.1:5000/web:v1"}, {"commit", "aaaa1111"}}, 202);
  SetStatus("web-1", ReleaseState::kRolledBack, /*bad=*/true);
  json refused = Deploy({{"image", "127.0.0.1:5000/web:v1b"}, {"commit", "aaaa1111"}}, 409);
  EXPECT_NE(ErrorMessage(refused).find("release web-1"), std::string::npos) << refused.dump();
  json forced = Deploy({{"image", "127.0.0.1:5000/web:v1b"}, {"commit", "aaaa1111"}, {"force", true}}, 202);
  EXPECT_EQ(forced["spec"]["force"], true);
}

TEST_F(DeployHandlersTest, RollbackGoesToTheReleaseBeforeTheLiveOne) {
  auto none = api_.Call("POST", "/v1/targets/web/rollback", "");
  EXPECT_EQ(none.status, 422) << none.body;
  Deploy({{"image", "127.0.0.1:5000/web:v1"}}, 202);
  SetStatus("web-1", ReleaseState::kSuperseded);
  Deploy({{"image", "127.0.0.1:5000/web:v2"}}, 202);
  SetStatus("web-2", ReleaseState::kSucceeded);
  auto r = api_.Call("POST", "/v1/targets/web/rollback", "");
  ASSERT_EQ(r.status, 202) << r.body;
  json rb = json::parse(r.body);
  EXPECT_EQ(rb["metadata"]["name"], "web-3");
  EXPECT_EQ(rb["spec"]["rollbackOf"], "web-2");
  EXPECT_EQ(rb["spec"]["image"], "127.0.0.1:5000/web:v1");
  EXPECT_EQ(rb["spec"]["trigger"]["kind"], "api");
  auto named = api_.Call("POST", "/v1/targets/web/rollback", R"({"release":"web-9"})");
  EXPECT_EQ(named.status, 404) << named.body;
}

TEST_F(DeployHandlersTest, ReleasesAreServerManagedAndDeployNeedsAnOperator) {
  Deploy({{"image", "127.0.0.1:5000/web:v1"}}, 202);
  json doc = {{"apiVersion", "kelola.io/v1"},
              {"kind", "Release"},
              {"metadata", {{"name", "web-7"}}},
              {"spec", {{"target", "web"}, {"image", "x"}}}};
  EXPECT_EQ(api_.Call("PUT", "/v1/releases/web-7", doc.dump()).status, 405);
  EXPECT_EQ(api_.Call("DELETE", "/v1/releases/web-1").status, 405);
  EXPECT_EQ(api_.Call("GET", "/v1/releases/web-1", "", api_.viewer_token).status, 200);
  EXPECT_EQ(api_.Call("POST", "/v1/targets/web/deploy", R"({"image":"x"})", api_.viewer_token).status, 403);
}

TEST_F(DeployHandlersTest, CancelMarksAPendingRelease) {
  Deploy({{"image", "127.0.0.1:5000/web:v1"}}, 202);
  auto r = api_.Call("POST", "/v1/releases/web-1/cancel", "");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["metadata"]["labels"][kReleaseCancelLabel], "true");
  SetStatus("web-1", ReleaseState::kFailed);
  EXPECT_EQ(api_.Call("POST", "/v1/releases/web-1/cancel", "").status, 422);
  EXPECT_EQ(api_.Call("POST", "/v1/releases/web-9/cancel", "").status, 404);
}

}  // namespace
}  // namespace kelola
