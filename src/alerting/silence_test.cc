#include "alerting/silence.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

WallTime At(const char* text) { return ParseRfc3339(text).value(); }

TEST(SilenceTest, ParsesAlertmanagerV2Body) {
  auto s = ParseSilenceBody(R"({
    "matchers": [{"name": "service", "value": "api", "isRegex": false, "isEqual": true},
                 {"name": "env", "value": "prod|stage", "isRegex": true}],
    "startsAt": "2026-11-27T10:00:00Z", "endsAt": "2026-11-27T12:00:00.500+01:00",
    "createdBy": "ana", "comment": "deploy window"})",
                            At("2026-11-27T09:00:00Z"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(FormatMatchers(s->matchers), R"({service="api", env=~"prod|stage"})");
  EXPECT_EQ(FormatRfc3339(s->starts_at), "2026-11-27T10:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(s->ends_at), "2026-11-27T11:00:00.500Z");
  EXPECT_EQ(s->created_by, "ana");
  EXPECT_EQ(s->comment, "deploy window");
  EXPECT_EQ(s->StateAt(At("2026-11-27T09:59:59Z")), Silence::State::kPending);
  EXPECT_EQ(s->StateAt(At("2026-11-27T10:30:00Z")), Silence::State::kActive);
  EXPECT_EQ(s->StateAt(At("2026-11-27T11:00:00.500Z")), Silence::State::kExpired);
  EXPECT_TRUE(s->Mutes({{"service", "api"}, {"env", "stage"}}, At("2026-11-27T10:30:00Z")));
  EXPECT_FALSE(s->Mutes({{"service", "api"}, {"env", "dev"}}, At("2026-11-27T10:30:00Z")));
  EXPECT_FALSE(s->Mutes({{"service", "api"}, {"env", "prod"}}, At("2026-11-27T13:00:00Z")));
}

TEST(SilenceTest, StringMatchersAndDefaultStart) {
  WallTime now = At("2026-11-27T09:00:00Z");
  auto s = ParseSilenceBody(R"({"matchers": ["service=\"api\""], "endsAt": "2026-11-27T10:00:00Z"})", now);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->starts_at, now);
  s->id = "abc";
  auto back = SilenceFromSpecJson("abc", SilenceSpecJson(*s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(FormatMatchers(back->matchers), FormatMatchers(s->matchers));
  EXPECT_EQ(back->starts_at, s->starts_at);
  EXPECT_EQ(back->ends_at, s->ends_at);
}

TEST(SilenceTest, BadBodiesNameTheField) {
  WallTime now = At("2026-11-27T09:00:00Z");
  struct Case {
    std::string body;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"not json", "body: not valid JSON"},
           {"[]", "body: expected a JSON object"},
           {R"({"endsAt": "2026-11-27T10:00:00Z"})", "matchers: required"},
           {R"({"matchers": [], "endsAt": "2026-11-27T10:00:00Z"})", "matchers: at least one matcher"},
           {R"({"matchers": ["a=~\".*\""], "endsAt": "2026-11-27T10:00:00Z"})", "must not match the empty string"},
           {R"({"matchers": ["a=\"b\""]})", "endsAt: required"},
           {R"({"matchers": ["a=\"b\""], "endsAt": "tomorrow"})", "endsAt: expected an RFC 3339 time"},
           {R"({"matchers": ["a=\"b\""], "endsAt": "2026-11-27T08:00:00Z"})", "endsAt: must be after startsAt"},
           {R"({"matchers": [{"name": "a"}], "endsAt": "2026-11-27T10:00:00Z"})", "matchers[0].value: required"},
           {R"({"matchers": [{"name": "a", "value": "(", "isRegex": true}], "endsAt": "2026-11-27T10:00:00Z"})",
            "matchers[0]: regex"},
           {R"({"matchers": ["a=\"b\"", "x"], "endsAt": "2026-11-27T10:00:00Z"})", "matchers[1]: at offset 1"},
           {R"({"matchers": ["a=\"b\""], "endsAt": "2026-11-27T10:00:00Z", "owner": "x"})", "owner: unknown field"},
           {R"({"matchers": ["a=\"b\""], "endsAt": "2026-11-27T10:00:00Z", "comment": 5})",
            "comment: expected a string"},
       }) {
    auto s = ParseSilenceBody(c.body, now);
    ASSERT_FALSE(s.ok()) << c.body;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(c.error), std::string::npos) << c.body << " -> " << s.status().message();
  }
}

TEST(SilenceTest, Rfc3339) {
  EXPECT_EQ(FormatRfc3339(At("2028-02-28T23:59:59.123456789-00:30")), "2028-02-29T00:29:59.123Z");
  EXPECT_EQ(FormatRfc3339(At("1970-01-01T00:00:00Z")), "1970-01-01T00:00:00.000Z");
  for (const char* bad :
       {"2026-13-01T00:00:00Z", "2026-11-27 10:00", "2026-11-27T10:00:00", "2026-11-27T10:00:00.Z",
        "2026-11-27T10:00:00+1:00", "2026-11-27T10:00:00Zjunk", "8570-11-27T10:00:00Z", "1969-12-31T23:59:59Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace kelola
