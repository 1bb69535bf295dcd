#include "deploy/release.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(ReleaseTest, StateNamesRoundTrip) {
  for (ReleaseState s : {ReleaseState::kPending, ReleaseState::kRollingOut, ReleaseState::kSucceeded,
                         ReleaseState::kFailed, ReleaseState::kRolledBack, ReleaseState::kSuperseded}) {
    auto parsed = ParseReleaseState(ReleaseStateName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(ReleaseStateName(ReleaseState::kRolledBack), "RolledBack");
  EXPECT_FALSE(ParseReleaseState("rolledback").ok());
}

TEST(ReleaseTest, SpecRoundTrips) {
  ReleaseSpec s;
  s.name = "web-7";
  s.target = "web";
  s.image = "127.0.0.1:5000/web:v2";
  s.image_digest = "127.0.0.1:5000/web@sha256:abc";
  s.commit = "0123abcd";
  s.trigger = {"pipeline", "Pipeline/shop", "run-12"};
  s.previous = "web-6";
  s.rollback_of = "web-5";
  s.force = true;
  const std::string encoded = EncodeReleaseSpec(s);
  auto back = DecodeReleaseSpec("web-7", encoded);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->name, "web-7");
  EXPECT_EQ(back->image_digest, s.image_digest);
  EXPECT_EQ(back->trigger.kind, "pipeline");
  EXPECT_EQ(back->trigger.run, "run-12");
  EXPECT_EQ(back->previous, "web-6");
  EXPECT_EQ(back->rollback_of, "web-5");
  EXPECT_TRUE(back->force);
  EXPECT_EQ(EncodeReleaseSpec(*back), encoded);
}

TEST(ReleaseTest, SpecErrorsNameTheField) {
  auto err = [](const std::string& j) {
    auto s = DecodeReleaseSpec("web-1", j);
    return s.ok() ? std::string() : s.status().message();
  };
  EXPECT_EQ(err(R"({"image":"x"})"), "spec.target: required, must not be empty");
  EXPECT_EQ(err(R"({"target":"web"})"), "spec.image: required, must not be empty");
  EXPECT_EQ(err(R"({"target":"web","image":"x","tag":"v1"})"), "spec.tag: unknown field");
  EXPECT_EQ(err(R"({"target":"web","image":"x","force":"yes"})"), "spec.force must be true or false");
  EXPECT_EQ(err(R"({"target":"web","image":"x","imageDigest":"x:v1"})"),
            "spec.imageDigest: \"x:v1\" is not a reference by digest (@sha256:)");
  EXPECT_EQ(err(R"({"target":"web","image":"x","trigger":{"kind":"cron"}})"),
            "spec.trigger.kind: \"cron\" is not cli, api, pipeline, rollback or rule");
}

TEST(ReleaseTest, StatusRoundTripsAndDefaultsToPending) {
  auto empty = DecodeReleaseStatus("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->state, ReleaseState::kPending);
  EXPECT_FALSE(empty->started_at.has_value());

  ReleaseStatus s;
  s.state = ReleaseState::kRolledBack;
  s.reason = "host web-2: health check /up not passing after 60s";
  s.progress = {3, 1, 0, 2, "rolled back"};
  s.started_at = WallTime(std::chrono::seconds(1'700'000'000));
  s.finished_at = WallTime(std::chrono::seconds(1'700'000'090));
  s.bad = true;
  s.rolled_back_by = "web-8";
  const std::string encoded = EncodeReleaseStatus(s);
  auto back = DecodeReleaseStatus(encoded);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->state, ReleaseState::kRolledBack);
  EXPECT_EQ(back->progress.old_remaining, 2);
  EXPECT_EQ(back->started_at, s.started_at);
  EXPECT_EQ(back->finished_at, s.finished_at);
  EXPECT_TRUE(back->bad);
  EXPECT_EQ(EncodeReleaseStatus(*back), encoded);
}

TEST(ReleaseTest, StatusErrorsNameTheField) {
  auto err = [](const std::string& j) {
    auto s = DecodeReleaseStatus(j);
    return s.ok() ? std::string() : s.status().message();
  };
  EXPECT_EQ(err(R"({"state":"Done"})").rfind("status.state: \"Done\" is not a release state", 0), 0u);
  EXPECT_EQ(err(R"({"progress":{"total":-1}})"), "status.progress.total must be between 0 and 1000000, got -1");
  EXPECT_EQ(err(R"({"startedAt":"yesterday"})").rfind("status.startedAt: ", 0), 0u);
  EXPECT_EQ(err(R"({"progress":{"units":1}})"), "status.progress.units: unknown field");
}

}  // namespace
}  // namespace kelola
