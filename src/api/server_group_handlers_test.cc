// The ServerGroup routes in-process: a real HttpServer on a free port and a
// SQLite store. Bad groups are 400s naming the field, the team quota is a
// 403 with an audit event, DELETE marks the group for the controller (202),
// and plan answers the planner's plan from the group's Hosts in the store.
#include "api/server_group_handlers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/in_process_api_for_test.h"
#include "fleet/fleet_host.h"
#include "fleet/server_group.h"

namespace kelola {
namespace {

using json = nlohmann::json;

json Group(const std::string& name, json spec) {
  return {{"apiVersion", "kelola.io/v1"}, {"kind", "ServerGroup"}, {"metadata", {{"name", name}}}, {"spec", spec}};
}

json DockerSpec(int count, const std::string& team = "web") {
  return {
      {"provider", "docker"}, {"team", team}, {"image", "kelola-host:bookworm"}, {"size", "small"}, {"count", count}};
}

class ServerGroupHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.ctx->fleet_quota.default_max_servers = 10;
    api_.ctx->fleet_quota.team_max_servers = {{"web", 5}};
    api_.Start();
  }
  ClientResponse Put(const std::string& name, const json& spec, const std::string& token = "") {
    return api_.Call("PUT", "/v1/server-groups/" + name, Group(name, spec).dump(), token);
  }
  std::vector<Event> Events(const std::string& type) {
    EventFilter f;
    f.type_prefix = type;
    return api_.store->ListEvents(f).value();
  }
  // A fleet Host of `group` in `state`, as the controllers write them.
  void AddHost(const std::string& name, const std::string& group, HostState state, int launched_minute) {
    Resource r;
    r.kind = "Host";
    r.name = name;
    r.labels = {{kFleetGroupLabel, group}, {kFleetProviderLabel, "docker"}};
    r.spec_json = R"({"address":"172.18.0.2"})";
    FleetHostStatus s;
    s.state = state;
    s.group = group;
    s.provider = "docker";
    s.provider_id = "c-" + name;
    s.image = "kelola-host:bookworm";
    s.size = "small";
    s.since = api_.clock.Now();
    s.launched_at = api_.clock.Now() + std::chrono::minutes(launched_minute);
    r.status_json = EncodeFleetHostStatus(s);
    ASSERT_TRUE(api_.store->PutResource(r, PutOptions{}).ok());
  }
  // The group's status as the group controller leaves it once the network
  // exists (status.network ids, status.networkKey for the spec's network).
  void MarkNetworkCreated(const std::string& group) {
    auto r = api_.store->GetResource("ServerGroup", group).value();
    ServerGroupSpec spec = DecodeServerGroupSpec(group, r.spec_json).value();
    json encoded = json::parse(EncodeServerGroupSpec(spec));
    json status = {{"network", {{"network", "net-" + group}}},
                   {"networkKey", spec.provider + "|" + spec.region + "|" + spec.zone + "|" +
                                      (encoded.contains("network") ? encoded["network"].dump() : "")}};
    r.status_json = status.dump();
    PutOptions o;
    o.status_only = true;
    ASSERT_TRUE(api_.store->PutResource(r, o).ok());
  }
  static std::string Message(const ClientResponse& r) {
    json body = json::parse(r.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].value("message", "") : r.body;
  }

  InProcessApi api_;
};

TEST_F(ServerGroupHandlersTest, CreateReadUpdateWithDefaults) {
  auto created = Put("web", DockerSpec(3));
  ASSERT_EQ(created.status, 201) << created.body;
  auto got = api_.Call("GET", "/v1/server-groups/web", "", api_.viewer_token);
  ASSERT_EQ(got.status, 200) << got.body;
  json g = json::parse(got.body);
  EXPECT_EQ(g["kind"], "ServerGroup");
  EXPECT_EQ(g["spec"]["count"], 3);
  EXPECT_EQ(g["spec"]["maxReplacementsPerHour"], 10);  // schema default, as the fleet decoder's
  auto updated = Put("web", DockerSpec(4));
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json::parse(updated.body)["metadata"]["generation"], 2);
  auto list = api_.Call("GET", "/v1/server-groups", "", api_.viewer_token);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["items"].size(), 1u);
}

TEST_F(ServerGroupHandlersTest, PostCreatesOnceAndNeedsAName) {
  auto created = api_.Call("POST", "/v1/server-groups", Group("api", DockerSpec(1)).dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["Location"], "/v1/server-groups/api");
  auto again = api_.Call("POST", "/v1/server-groups", Group("api", DockerSpec(1)).dump());
  EXPECT_EQ(again.status, 409) << again.body;
  json nameless = Group("x", DockerSpec(1));
  nameless["metadata"].erase("name");
  auto bad = api_.Call("POST", "/v1/server-groups", nameless.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Message(bad).find("metadata.name"), std::string::npos) << bad.body;
}

TEST_F(ServerGroupHandlersTest, BadGroupsAreRefusedNamingTheField) {
  struct Case {
    const char* what;
    json spec;
    const char* field;
    const char* detail;
  };
  json overlap = DockerSpec(1);
  overlap["network"] = {{"vpcCidr", "10.20.0.0/16"}, {"subnets", {"10.20.0.0/23", "10.20.1.0/24"}}};
  json host_bits = DockerSpec(1);
  host_bits["network"] = {{"vpcCidr", "10.20.0.1/16"}};
  json outside = DockerSpec(1);
  outside["network"] = {{"vpcCidr", "10.20.0.0/16"}, {"subnets", {"10.30.0.0/24"}}};
  json two_checks = DockerSpec(1);
  two_checks["healthCheck"] = {{"tcp", {{"port", 22}}}, {"http", {{"port", 80}}}};
  json bad_rule = DockerSpec(1);
  bad_rule["network"] = {{"ingress", {{{"protocol", "tcp"}, {"fromPort", 90}, {"toPort", 80}}}}};
  json typo = DockerSpec(1);
  typo["sise"] = "small";
  json unknown_provider = DockerSpec(1);
  unknown_provider["provider"] = "gcp";
  json too_many = DockerSpec(1001);
  json negative = DockerSpec(-1);
  json static_without_hosts = DockerSpec(1);
  static_without_hosts["provider"] = "static";
  json bad_duration = DockerSpec(1);
  bad_duration["healthCheck"] = {{"tcp", {{"port", 22}}}, {"interval", "soon"}};
  const std::vector<Case> cases = {
      {"overlapping subnets", overlap, "spec.network.subnets[1]", "overlaps"},
      {"host bits set", host_bits, "spec.network.vpcCidr", "host bits"},
      {"subnet outside the VPC", outside, "spec.network.subnets[0]", "not inside"},
      {"two health checks", two_checks, "spec.healthCheck", ""},
      {"port range backwards", bad_rule, "spec.network.ingress[0].toPort", ""},
      {"unknown field", typo, "spec.sise", "unknown field"},
      {"unknown provider", unknown_provider, "spec.provider", "docker"},
      {"count too high", too_many, "spec.count", "1000"},
      {"count negative", negative, "spec.count", ""},
      {"static without machines", static_without_hosts, "spec.staticHosts", ""},
      {"bad duration", bad_duration, "spec.healthCheck.interval", ""},
  };
  for (const Case& c : cases) {
    auto r = Put("bad", c.spec);
    EXPECT_EQ(r.status, 400) << c.what << ": " << r.body;
    EXPECT_NE(Message(r).find(c.field), std::string::npos) << c.what << ": " << r.body;
    EXPECT_NE(Message(r).find(c.detail), std::string::npos) << c.what << ": " << r.body;
  }
  EXPECT_EQ(api_.Call("GET", "/v1/server-groups/bad").status, 404);  // nothing half-stored
  auto rejected = Events("audit.fleet.group-rejected");
  ASSERT_EQ(rejected.size(), cases.size());
  EXPECT_NE(rejected[0].data_json.find("overlaps"), std::string::npos) << rejected[0].data_json;
}

TEST_F(ServerGroupHandlersTest, OnlyOperatorsWrite) {
  auto r = Put("web", DockerSpec(1), api_.viewer_token);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(api_.Call("GET", "/v1/server-groups/web").status, 404);
}

TEST_F(ServerGroupHandlersTest, QuotaRefusesWithNumbersAndAnAuditEvent) {
  ASSERT_EQ(Put("web-a", DockerSpec(3)).status, 201);
  auto refused = Put("web-b", DockerSpec(3));
  ASSERT_EQ(refused.status, 403) << refused.body;
  const std::string m = Message(refused);
  EXPECT_NE(m.find("team \"web\""), std::string::npos) << m;
  EXPECT_NE(m.find("at most 5"), std::string::npos) << m;
  EXPECT_NE(m.find("6 in all"), std::string::npos) << m;
  json details = json::parse(refused.body)["error"]["details"];
  EXPECT_EQ(details["reason"], "QUOTA_EXCEEDED");
  EXPECT_EQ(details["quota"]["limit"], 5);
  EXPECT_EQ(details["quota"]["requested"], 6);
  auto audit = Events("audit.fleet.quota-exceeded");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].subject, "ServerGroup/web-b");
  EXPECT_EQ(audit[0].actor, "token:ops");
  json data = json::parse(audit[0].data_json);
  EXPECT_EQ(data["team"], "web");
  EXPECT_EQ(data["limit"], 5);
  EXPECT_EQ(data["requested"], 6);
  EXPECT_EQ(api_.Call("GET", "/v1/server-groups/web-b").status, 404);

  // Room made by scaling in is usable; raising past it is not.
  ASSERT_EQ(Put("web-a", DockerSpec(2)).status, 200);
  ASSERT_EQ(Put("web-b", DockerSpec(3)).status, 201);
  EXPECT_EQ(Put("web-a", DockerSpec(3)).status, 403);
  // Another team has the default quota, and is not counted with web.
  EXPECT_EQ(Put("data", DockerSpec(10, "data")).status, 201);
  EXPECT_EQ(Put("data-2", DockerSpec(1, "data")).status, 403);
  // A lowered quota never blocks scaling in or changing other fields.
  api_.ctx->fleet_quota.team_max_servers["web"] = 1;
  EXPECT_EQ(Put("web-b", DockerSpec(2)).status, 200);
  json same = DockerSpec(2);
  same["image"] = "kelola-host:trixie";
  EXPECT_EQ(Put("web-b", same).status, 200);
  EXPECT_EQ(Events("audit.fleet.quota-exceeded").size(), 3u);
}

TEST_F(ServerGroupHandlersTest, DeleteMarksTheGroupForTheController) {
  ASSERT_EQ(Put("web", DockerSpec(2)).status, 201);
  AddHost("web-1", "web", HostState::kReady, 0);
  auto del = api_.Call("DELETE", "/v1/server-groups/web");
  ASSERT_EQ(del.status, 202) << del.body;
  EXPECT_EQ(json::parse(del.body)["metadata"]["labels"][kServerGroupDeletingLabel], "true");
  auto stored = api_.store->GetResource("ServerGroup", "web");
  ASSERT_TRUE(stored.ok());  // the spec stays for the teardown
  EXPECT_EQ(stored->labels.at(kServerGroupDeletingLabel), "true");
  auto events = Events("fleet.group.destroy-requested");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].subject, "ServerGroup/web");
  EXPECT_EQ(json::parse(events[0].data_json)["hosts"], 1);

  EXPECT_EQ(api_.Call("DELETE", "/v1/server-groups/web").status, 202);  // idempotent
  EXPECT_EQ(Events("fleet.group.destroy-requested").size(), 1u);
  auto put = Put("web", DockerSpec(2));
  EXPECT_EQ(put.status, 409) << put.body;
  EXPECT_NE(Message(put).find("being destroyed"), std::string::npos);
  EXPECT_EQ(api_.Call("DELETE", "/v1/server-groups/nope").status, 404);
  EXPECT_EQ(api_.Call("DELETE", "/v1/server-groups/web", "", api_.viewer_token).status, 403);

  // Nobody sets the label by hand.
  json labelled = Group("other", DockerSpec(1));
  labelled["metadata"]["labels"] = {{kServerGroupDeletingLabel, "true"}};
  auto by_hand = api_.Call("PUT", "/v1/server-groups/other", labelled.dump());
  EXPECT_EQ(by_hand.status, 400);
  EXPECT_NE(Message(by_hand).find(kServerGroupDeletingLabel), std::string::npos);
}

TEST_F(ServerGroupHandlersTest, PlanOfANewGroup) {
  auto r = api_.Call("POST", "/v1/server-groups/web/plan", Group("web", DockerSpec(3)).dump(), api_.viewer_token);
  ASSERT_EQ(r.status, 200) << r.body;
  json plan = json::parse(r.body);
  EXPECT_FALSE(plan["exists"].get<bool>());
  const std::string text = plan["text"];
  for (const char* host : {"web-1", "web-2", "web-3"}) {
    EXPECT_NE(text.find(std::string("+ host ") + host), std::string::npos) << text;
  }
  EXPECT_NE(text.find("0 to change, 0 to destroy."), std::string::npos) << text;
  int creates = 0;
  for (const json& a : plan["plan"]["actions"]) creates += a["action"] == "create" ? 1 : 0;
  EXPECT_EQ(creates, 3);
  EXPECT_TRUE(plan["quota"]["allowed"].get<bool>());
  EXPECT_EQ(api_.Call("GET", "/v1/server-groups/web").status, 404);  // planning stores nothing
}

TEST_F(ServerGroupHandlersTest, PlanScaleInFromTheStoredHosts) {
  ASSERT_EQ(Put("web", DockerSpec(3)).status, 201);
  AddHost("web-1", "web", HostState::kReady, 0);  // oldest
  AddHost("web-2", "web", HostState::kReady, 1);
  AddHost("web-3", "web", HostState::kReady, 2);
  AddHost("api-1", "api", HostState::kReady, 0);  // another group's: not counted
  MarkNetworkCreated("web");
  auto r = api_.Call("POST", "/v1/server-groups/web/plan", Group("web", DockerSpec(2)).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json plan = json::parse(r.body);
  const std::string text = plan["text"];
  EXPECT_NE(text.find("- host web-1"), std::string::npos) << text;
  EXPECT_EQ(text.find("web-2"), std::string::npos) << text;
  EXPECT_NE(text.find("Plan: 0 to add, 0 to change, 1 to destroy."), std::string::npos) << text;
  EXPECT_EQ(plan["plan"]["toDestroy"], 1);

  // No body: the stored spec, which the hosts already match.
  auto stored = api_.Call("POST", "/v1/server-groups/web/plan");
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_NE(json::parse(stored.body)["text"].get<std::string>().find("No changes"), std::string::npos) << stored.body;

  // A new network spec means the network is made again.
  json moved = DockerSpec(3);
  moved["network"] = {{"vpcCidr", "10.30.0.0/16"}};
  auto renet = api_.Call("POST", "/v1/server-groups/web/plan", Group("web", moved).dump());
  ASSERT_EQ(renet.status, 200) << renet.body;
  EXPECT_NE(json::parse(renet.body)["text"].get<std::string>().find("+ network"), std::string::npos) << renet.body;
}

TEST_F(ServerGroupHandlersTest, PlanChecksTheCandidateAndWarnsAboutTheQuota) {
  json bad = DockerSpec(1);
  bad["network"] = {{"subnets", {"10.0.0.0/24", "10.0.0.128/25"}}};
  auto r = api_.Call("POST", "/v1/server-groups/web/plan", Group("web", bad).dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Message(r).find("spec.network.subnets[1]"), std::string::npos) << r.body;
  auto over = api_.Call("POST", "/v1/server-groups/web/plan", Group("web", DockerSpec(6)).dump());
  ASSERT_EQ(over.status, 200) << over.body;
  json plan = json::parse(over.body);
  EXPECT_FALSE(plan["quota"]["allowed"].get<bool>());
  ASSERT_EQ(plan["warnings"].size(), 1u);
  EXPECT_NE(plan["warnings"][0].get<std::string>().find("at most 5"), std::string::npos);
  EXPECT_EQ(api_.Call("POST", "/v1/server-groups/nope/plan").status, 404);
}

TEST_F(ServerGroupHandlersTest, OpenApiDescribesServerGroups) {
  auto r = api_.Call("GET", "/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("/v1/server-groups"), std::string::npos);
  EXPECT_NE(r.body.find("maxReplacementsPerHour"), std::string::npos);
}

}  // namespace
}  // namespace kelola
