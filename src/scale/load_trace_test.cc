#include "scale/load_trace.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kelola {
namespace {

const WallTime kStart = WallTime(std::chrono::seconds(0));

TEST(LoadTraceTest, MinuteRequests) {
  auto t = ParseLoadTrace("# comment\nminute,requests\n0,42\n1,62.5\n\n4,7\r\n", "t.csv", kStart);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->requests, (std::vector<double>{42, 62.5, 0, 0, 7}));
  EXPECT_EQ(t->start, kStart);
}

TEST(LoadTraceTest, TimestampsAreBucketedPerMinute) {
  auto t = ParseLoadTrace("timestamp,requests\n2026-01-01T00:00:10Z,3\n2026-01-01T00:00:50Z,4\n1767225720,5\n", "t.csv",
                          kStart);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(FormatRfc3339(t->start), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(t->requests, (std::vector<double>{7, 0, 5}));
  // One row per request.
  t = ParseLoadTrace("timestamp\n1767225600\n1767225601\n1767225659\n1767225660\n", "log.csv", kStart);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->requests, (std::vector<double>{3, 1}));
}

TEST(LoadTraceTest, ErrorsCarryFileAndLine) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "t.csv: empty trace"},
      {"# only a comment\n", "t.csv: empty trace"},
      {"minute,requests\n", "t.csv: the trace has a header but no rows"},
      {"time,count\n0,1\n", "t.csv:1: expected a header"},
      {"minute,requests\n0,1\n1,x\n", "t.csv:3: requests: \"x\" is not a number"},
      {"minute,requests\n0,1\n1,-4\n", "t.csv:3: requests: must be a finite number >= 0"},
      {"minute,requests\n0,1\n0,2\n", "t.csv:3: minute 0 does not follow minute 0"},
      {"minute,requests\n0,1,2\n", "t.csv:2: expected 2 column(s), got 3"},
      {"minute,requests\n1e3,1\n", "t.csv:2: minute: \"1e3\" is not a whole number"},
      {"minute,requests\n99999999,1\n", "t.csv:2: the trace spans more than a year"},
      {"timestamp\nyesterday\n", "t.csv:2: timestamp: \"yesterday\" is neither Unix seconds nor RFC 3339"},
      {"timestamp\n120\n60\n", "t.csv:3: timestamp goes back in time"},
  };
  for (const auto& c : cases) {
    auto t = ParseLoadTrace(c.text, "t.csv", kStart);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message().rfind(c.message, 0), 0u) << t.status().message();
  }
}

// The real NASA trace of ../shared/data (skipped where the data is absent).
TEST(LoadTraceTest, NasaTrace) {
  std::ifstream f;
  for (const char* up : {"/../shared", "/../../shared"}) {  // the main checkout or a worktree under wt/
    if (!f.is_open()) f.open(std::string(KELOLA_SOURCE_DIR) + up + "/data/traces/nasa-http-1995.csv");
  }
  // Where this machine keeps it, for a checkout elsewhere (CI's clean clone).
  if (!f.is_open()) f.open("/work/shared/data/traces/nasa-http-1995.csv");
  if (!f.is_open()) GTEST_SKIP() << "no ../shared/data/traces/nasa-http-1995.csv";
  std::stringstream ss;
  ss << f.rdbuf();
  auto t = ParseLoadTrace(ss.str(), "nasa-http-1995.csv", kStart);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->requests.size(), 84332u);
  EXPECT_EQ(t->requests[0], 42);
  EXPECT_EQ(t->requests.back(), 14);
}

}  // namespace
}  // namespace kelola
