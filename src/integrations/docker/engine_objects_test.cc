#include "integrations/docker/engine_objects.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

// Trimmed from a real GET /v1.41/containers/{id}/json of engine 20.10.24.
constexpr const char* kInspect = R"({
  "Id": "7dae04bfa8ecc3f726417cfe4a591bde583dd2c4025e39219302acaafb7aefb5",
  "Created": "2026-11-27T21:58:59.5123456Z",
  "Name": "/web-1",
  "State": {"Status": "exited", "Running": false, "OOMKilled": false, "ExitCode": 137,
            "StartedAt": "2026-11-27T21:59:00.25Z", "FinishedAt": "2026-11-27T22:01:00Z"},
  "HostConfig": {"NanoCpus": 500000000, "Memory": 268435456},
  "Config": {"Hostname": "web-1", "Image": "kelola-host:bookworm",
             "Labels": {"io.kelola.group": "web", "io.kelola.host": "web-1"}},
  "NetworkSettings": {"Networks": {"kelola-web": {"IPAddress": "10.20.0.2"}}}
})";

TEST(EngineObjects, ContainerInspect) {
  auto info = ParseContainerInspect(kInspect);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "web-1");
  EXPECT_EQ(info->image, "kelola-host:bookworm");
  EXPECT_EQ(info->state, "exited");
  EXPECT_EQ(info->exit_code, 137);
  EXPECT_EQ(info->labels.at("io.kelola.host"), "web-1");
  EXPECT_EQ(info->ip_addresses.at("kelola-web"), "10.20.0.2");
  EXPECT_EQ(info->nano_cpus, 500000000);
  EXPECT_EQ(info->memory_bytes, 268435456);
  EXPECT_EQ(info->hostname, "web-1");
  auto created = ParseEngineTime("2026-11-27T21:58:59.5123456Z");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(info->created, *created);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(info->started - info->created).count(), 737);
}

TEST(EngineObjects, ContainerListReadsExitCodeFromStatusText) {
  auto list = ParseContainerList(R"([
    {"Id": "a1", "Names": ["/web-1"], "Image": "kelola-host:bookworm", "Created": 1764280739,
     "Labels": {"io.kelola.group": "web"}, "State": "exited", "Status": "Exited (137) 2 minutes ago",
     "NetworkSettings": {"Networks": {"kelola-web": {"IPAddress": ""}}}},
    {"Id": "b2", "Names": ["/web-2"], "Image": "kelola-host:bookworm", "Created": 1764280740,
     "Labels": null, "State": "running", "Status": "Up 2 minutes",
     "NetworkSettings": {"Networks": {"kelola-web": {"IPAddress": "10.20.0.3"}}}}
  ])");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "web-1");
  EXPECT_EQ((*list)[0].exit_code, 137);
  EXPECT_EQ((*list)[0].created, WallTime(std::chrono::seconds(1764280739)));
  EXPECT_EQ((*list)[1].exit_code, 0);
  EXPECT_TRUE((*list)[1].labels.empty());
  EXPECT_EQ((*list)[1].ip_addresses.at("kelola-web"), "10.20.0.3");
}

TEST(EngineObjects, Networks) {
  auto n = ParseNetworkInspect(R"({"Name": "kelola-web", "Id": "n1", "Driver": "bridge",
      "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.20.0.0/24", "Gateway": "10.20.0.1"}]},
      "Containers": {"c1": {}, "c2": {}}, "Labels": {"io.kelola.group": "web"}})");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->name, "kelola-web");
  EXPECT_EQ(n->subnets, std::vector<std::string>{"10.20.0.0/24"});
  EXPECT_EQ(n->gateways, std::vector<std::string>{"10.20.0.1"});
  EXPECT_EQ(n->containers, 2u);
  EXPECT_EQ(n->labels.at("io.kelola.group"), "web");
  auto list = ParseNetworkList(R"([{"Name": "a", "Id": "1", "IPAM": {"Config": null}}, {"Name": "b", "Id": "2"}])");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->size(), 2u);
}

TEST(EngineObjects, BadAnswersAreErrorsNamingWhat) {
  EXPECT_EQ(ParseContainerInspect("not json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseContainerInspect("[]").status().code(), StatusCode::kInvalidArgument);
  auto no_id = ParseContainerInspect(R"({"Name": "/x"})");
  EXPECT_NE(no_id.status().message().find("no Id"), std::string::npos) << no_id.status().ToString();
  EXPECT_FALSE(ParseContainerList("{}").ok());
  EXPECT_FALSE(ParseContainerList(R"([{"Names": ["/x"]}])").ok());
  EXPECT_FALSE(ParseNetworkList(R"([{"Name": "x"}])").ok());
  EXPECT_FALSE(ParseNetworkInspect("null").ok());
}

TEST(EngineObjects, Times) {
  EXPECT_EQ(*ParseEngineTime("0001-01-01T00:00:00Z"), WallTime{});
  // Found by docker_engine_objects_fuzz: nanoseconds since 1970 overflowed.
  EXPECT_EQ(ParseEngineTime("1014-01-01T00:00:00Z").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEngineTime("2263-01-01T00:00:00Z").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseEngineTime("1970-01-01T00:00:01Z"), WallTime(std::chrono::seconds(1)));
  EXPECT_EQ(*ParseEngineTime("1970-01-01T01:00:01+01:00"), WallTime(std::chrono::seconds(1)));
  EXPECT_EQ(*ParseEngineTime("1970-01-01T00:00:00.123456789123Z"),
            WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(123456789))));
  for (const char* bad : {"", "2026-11-27", "2026-11-27T21:58:59", "2026-13-01T00:00:00Z", "2026-11-27T21:58:59.Z",
                          "2026-11-27T21:58:59Zjunk", "2026-1-27T21:58:59Z"}) {
    EXPECT_FALSE(ParseEngineTime(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace kelola::docker
