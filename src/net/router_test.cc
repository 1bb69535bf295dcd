#include "net/router.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(RouterTest, MatchesLiteralsAndPlaceholders) {
  Router r;
  ASSERT_EQ(*r.Add("GET", "/v1/hosts"), 0u);
  ASSERT_EQ(*r.Add("GET", "/v1/{plural}/{name}"), 1u);
  ASSERT_EQ(*r.Add("GET", "/"), 2u);

  Router::Match m = r.Find("GET", "/v1/hosts");
  EXPECT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route, 0u);
  EXPECT_TRUE(m.params.empty());

  m = r.Find("GET", "/v1/server-groups/web");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route, 1u);
  EXPECT_EQ(m.params["plural"], "server-groups");
  EXPECT_EQ(m.params["name"], "web");
  EXPECT_EQ(r.pattern(1), "/v1/{plural}/{name}");

  m = r.Find("GET", "/");
  EXPECT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route, 2u);
}

TEST(RouterTest, FirstMatchWins) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/v1/hosts/{name}").ok());
  ASSERT_TRUE(r.Add("GET", "/v1/hosts/special").ok());
  EXPECT_EQ(r.Find("GET", "/v1/hosts/special").route, 0u);
}

TEST(RouterTest, PlaceholdersNeedOneNonEmptySegment) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/v1/hosts/{name}").ok());
  EXPECT_EQ(r.Find("GET", "/v1/hosts/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.Find("GET", "/v1/hosts").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.Find("GET", "/v1/hosts/a/b").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.Find("GET", "/v1//a").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.Find("GET", "").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.Find("GET", "*").outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, DecodesSegmentsAfterSplitting) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/files/{name}").ok());
  ASSERT_TRUE(r.Add("GET", "/a b").ok());
  Router::Match m = r.Find("GET", "/files/dir%2Ffile%20x");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params["name"], "dir/file x");
  EXPECT_EQ(r.Find("GET", "/a%20b").outcome, Router::Outcome::kFound);
  EXPECT_EQ(r.Find("GET", "/files/dir/file").outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, KnownPathWithOtherMethodIs405WithAllowedList) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/v1/hosts").ok());
  ASSERT_TRUE(r.Add("POST", "/v1/hosts").ok());
  ASSERT_TRUE(r.Add("DELETE", "/v1/hosts/{name}").ok());
  Router::Match m = r.Find("PUT", "/v1/hosts");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, "GET, HEAD, POST");
  m = r.Find("GET", "/v1/hosts/web-1");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, "DELETE");
  EXPECT_TRUE(m.params.empty());
}

TEST(RouterTest, HeadFallsBackToGetAndStarMatchesAnyMethod) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/health").ok());
  ASSERT_TRUE(r.Add("*", "/hooks/{forge}").ok());
  EXPECT_EQ(r.Find("HEAD", "/health").outcome, Router::Outcome::kFound);
  Router::Match m = r.Find("PATCH", "/hooks/github");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route, 1u);
  EXPECT_EQ(m.params["forge"], "github");
}

TEST(RouterTest, RejectsMalformedPatternsAndMethods) {
  Router r;
  EXPECT_EQ(r.Add("GET", "v1/hosts").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("GET", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("GET", "/v1/{}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("GET", "/v1/{name").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("GET", "/v1/x{name}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("GET", "/v1/{a b}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("GET", "/{a}/{a}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("GE T", "/x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add("", "/x").status().code(), StatusCode::kInvalidArgument);
  Result<size_t> bad = r.Add("GET", "/v1/{name");
  EXPECT_NE(bad.status().message().find("/v1/{name"), std::string::npos);
  EXPECT_EQ(r.size(), 0u);
}

}  // namespace
}  // namespace kelola
