#include "integrations/elasticsearch/bulk_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

StoredRecord Record(uint64_t id, uint64_t offset, int64_t time_ms, std::string text) {
  StoredRecord r;
  r.id = id;
  r.agent = "web-1";
  r.labels = {{"service", "api"}};
  r.record.stream_id = "00000000000000a1";
  r.record.path = "/var/log/app.log";
  r.record.offset = offset;
  r.record.time_ms = time_ms;
  r.record.text = std::move(text);
  return r;
}

TEST(BulkCodecTest, IndexPatternsFormatInUtcAndRejectBadNames) {
  // 2026-11-27T23:59:59.999Z
  EXPECT_EQ(FormatIndexName("logs-%Y.%m.%d", 1'795'823'999'999), "logs-2026.11.27");
  EXPECT_EQ(FormatIndexName("logs-%Y.%m.%d-%H", 1'795'824'000'000), "logs-2026.11.28-00");
  EXPECT_EQ(FormatIndexName("a%%b", 0), "a%b");
  EXPECT_TRUE(ValidateIndexPattern("logs-%Y.%m.%d").ok());
  EXPECT_FALSE(ValidateIndexPattern("Logs").ok());
  EXPECT_FALSE(ValidateIndexPattern("logs-%j").ok());
  EXPECT_FALSE(ValidateIndexPattern("_logs").ok());
  EXPECT_FALSE(ValidateIndexPattern("logs/x").ok());
  EXPECT_FALSE(ValidateIndexPattern("").ok());
}

TEST(BulkCodecTest, IdIsDeterministicPerAgentStreamAndOffset) {
  auto a = Record(1, 100, 0, "x");
  auto b = Record(99, 100, 5, "y");  // same identity, stored again later
  EXPECT_EQ(BulkDocumentId(a), BulkDocumentId(b));
  EXPECT_EQ(BulkDocumentId(a).size(), 32u);
  auto c = Record(1, 101, 0, "x");
  EXPECT_NE(BulkDocumentId(a), BulkDocumentId(c));
  auto d = a;
  d.agent = "web-2";
  EXPECT_NE(BulkDocumentId(a), BulkDocumentId(d));
}

TEST(BulkCodecTest, BodyIsNdjsonActionAndSourcePairs) {
  auto a = Record(1, 0, 1'795'823'999'999, "hello \"world\"");
  auto b = Record(2, 10, 1'795'824'000'000, std::string("bad \xff utf8"));
  std::string body = EncodeBulkBody({&a, &b}, "logs-%Y.%m.%d", "create");
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.back(), '\n');
  std::vector<nlohmann::json> lines;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    lines.push_back(nlohmann::json::parse(body.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["create"]["_index"], "logs-2026.11.27");
  EXPECT_EQ(lines[0]["create"]["_id"], BulkDocumentId(a));
  EXPECT_EQ(lines[1]["message"], "hello \"world\"");
  EXPECT_EQ(lines[1]["@timestamp"], "2026-11-27T23:59:59.999Z");
  EXPECT_EQ(lines[1]["labels"]["service"], "api");
  EXPECT_EQ(lines[1]["kelola"]["record_id"], 1);
  EXPECT_EQ(lines[2]["create"]["_index"], "logs-2026.11.28");
  EXPECT_EQ(lines[3]["message"], "bad \xEF\xBF\xBD utf8") << "invalid UTF-8 becomes U+FFFD, not an error";
}

TEST(BulkCodecTest, ParsesPerItemStatusesAndErrors) {
  // Shape of a real OpenSearch 2.19 answer (filter_path=errors,items.*.status,items.*.error.*).
  std::string body =
      R"({"errors":true,"items":[{"create":{"status":201}},)"
      R"({"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [n]"}}},)"
      R"({"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}},)"
      R"({"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}}]})";
  auto items = ParseBulkResponse(body, 4);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_EQ((*items)[0].status, 201);
  EXPECT_EQ((*items)[0].error_type, "");
  EXPECT_EQ((*items)[1].status, 400);
  EXPECT_EQ((*items)[1].error_type, "mapper_parsing_exception");
  EXPECT_EQ((*items)[1].error_reason, "failed to parse field [n]");
  EXPECT_EQ((*items)[2].status, 429);
  EXPECT_EQ((*items)[3].status, 409);

  EXPECT_FALSE(ParseBulkResponse(body, 3).ok()) << "item count must match the request";
  EXPECT_FALSE(ParseBulkResponse("<html>", 1).ok());
  EXPECT_FALSE(ParseBulkResponse(R"({"items":[{"create":{}}]})", 1).ok());
  EXPECT_FALSE(ParseBulkResponse(R"({"items":[{"create":{"status":"x"}}]})", 1).ok());
}

}  // namespace
}  // namespace kelola
