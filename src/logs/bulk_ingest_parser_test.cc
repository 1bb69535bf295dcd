#include "logs/bulk_ingest_parser.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(BulkIngestParserTest, ReadsShippersBodies) {
  // Filebeat-like (message, host.name), Fluent Bit-like (log, no _index: from the URL), create.
  std::string body =
      "{\"index\":{\"_index\":\"filebeat-8\"}}\n"
      "{\"@timestamp\":\"2026-11-27T10:00:00.250Z\",\"message\":\"GET /\",\"host\":{\"name\":\"web-1\"}}\n"
      "{\"create\":{\"_id\":\"abc\"}}\r\n"
      "{\"log\":\"fluent line\",\"host\":\"web-2\",\"@timestamp\":\"2026-11-27T12:00:00+02:00\"}\r\n"
      "\n"
      "{\"index\":{}}\n"
      "{\"level\":\"info\",\"n\":5}\n";
  auto items = ParseBulkIngest(body, "from-url", 42);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 3u);
  const auto& a = (*items)[0];
  EXPECT_EQ(a.action, "index");
  EXPECT_EQ(a.index, "filebeat-8");
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.agent, "web-1");
  EXPECT_EQ(a.record.text, "GET /");
  EXPECT_EQ(a.record.time_ms, 1'795'773'600'250);
  const auto& b = (*items)[1];
  EXPECT_EQ(b.action, "create");
  EXPECT_EQ(b.index, "from-url");
  EXPECT_EQ(b.id, "abc");
  EXPECT_EQ(b.agent, "web-2");
  EXPECT_EQ(b.record.text, "fluent line");
  EXPECT_EQ(b.record.time_ms, 1'795'773'600'000) << "12:00+02:00 is 10:00Z";
  const auto& c = (*items)[2];
  EXPECT_EQ(c.record.text, R"({"level":"info","n":5})");
  EXPECT_EQ(c.agent, "es-bulk");
  EXPECT_EQ(c.record.time_ms, 42);
}

TEST(BulkIngestParserTest, BadItemsGetPerItemErrorsAndTheOthersStay) {
  std::string body =
      "{\"index\":{\"_index\":\"a\"}}\n"
      "not json\n"
      "{\"delete\":{\"_index\":\"a\",\"_id\":\"1\"}}\n"
      "{\"update\":{\"_index\":\"a\",\"_id\":\"1\"}}\n"
      "{\"doc\":{}}\n"
      "{\"index\":{}}\n"
      "{\"message\":\"no index anywhere\"}\n"
      "{\"index\":{\"_index\":\"a\"}}\n"
      "{\"message\":\"good\",\"@timestamp\":\"garbage\"}\n";
  auto items = ParseBulkIngest(body, "", 7);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 5u);
  EXPECT_EQ((*items)[0].status, 400);
  EXPECT_EQ((*items)[0].error_type, "mapper_parsing_exception");
  EXPECT_EQ((*items)[1].action, "delete");
  EXPECT_EQ((*items)[1].status, 400);
  EXPECT_EQ((*items)[2].action, "update");
  EXPECT_EQ((*items)[2].status, 400);
  EXPECT_EQ((*items)[3].status, 400);
  EXPECT_EQ((*items)[4].status, 0);
  EXPECT_EQ((*items)[4].record.text, "good");
  EXPECT_EQ((*items)[4].record.time_ms, 7) << "an unreadable @timestamp falls back to now";
}

TEST(BulkIngestParserTest, UnreadableActionsFailTheRequest) {
  EXPECT_FALSE(ParseBulkIngest("garbage\n", "i", 0).ok());
  EXPECT_FALSE(ParseBulkIngest("{\"index\":{}}", "i", 0).ok()) << "source line missing";
  EXPECT_FALSE(ParseBulkIngest("{\"frobnicate\":{}}\n{}\n", "i", 0).ok());
  EXPECT_FALSE(ParseBulkIngest("[1]\n{}\n", "i", 0).ok());
  auto empty = ParseBulkIngest("\n\n", "i", 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(BulkIngestParserTest, Rfc3339) {
  EXPECT_EQ(*ParseRfc3339Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339Millis("2026-11-27T23:59:59.999Z"), 1'795'823'999'999);
  EXPECT_EQ(*ParseRfc3339Millis("2026-11-27T10:00:00.123456-01:30"), 1'795'773'600'123 + 90 * 60'000);
  for (const char* bad : {"", "2026-11-27", "2026-13-01T00:00:00Z", "2026-11-27T10:00:00", "2026-11-27T10:00:00Zx",
                          "2026-11-27T10:00:00.Z", "2026-11-27T25:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339Millis(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace kelola
