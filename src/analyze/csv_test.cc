#include "analyze/csv.h"

#include <gtest/gtest.h>

namespace kelola::analyze {
namespace {

TEST(CsvTest, QuotedFieldsAndLineEnds) {
  auto rows = ParseCsv("a,b,c\r\n1,\"x, \"\"y\"\"\",\n\"multi\nline\",2,3");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1], (CsvRow{"1", "x, \"y\"", ""}));
  EXPECT_EQ((*rows)[2], (CsvRow{"multi\nline", "2", "3"}));
}

TEST(CsvTest, BadInputSaysWhere) {
  auto open = ParseCsv("a,b\n1,\"never closed\n");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("line 2"), std::string::npos);
  auto after = ParseCsv("\"q\"x,1\n");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kInvalidArgument);
}

TEST(CsvTest, FieldQuotingRoundTrips) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,\"b\""), "\"a,\"\"b\"\"\"");
  auto rows = ParseCsv(CsvField("x,\ny") + "," + CsvField("\"") + "\n");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0], (CsvRow{"x,\ny", "\""}));
}

}  // namespace
}  // namespace kelola::analyze
