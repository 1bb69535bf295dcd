#include "pipeline/form_payload.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(FormPayloadTest, DecodesThePayloadField) {
  auto p = FormPayload("a=1&payload=%7B%22ref%22%3A+%22x%22%7D&b=2");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, R"({"ref": "x"})");
  EXPECT_EQ(*FormPayload("payload="), "");
  EXPECT_EQ(*FormPayload("payload=a%2bb"), "a+b");
}

TEST(FormPayloadTest, RefusesMissingFieldAndBadEscapes) {
  EXPECT_EQ(FormPayload("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FormPayload("payloadx=1").status().code(), StatusCode::kInvalidArgument);
  for (const char* bad : {"payload=%", "payload=%4", "payload=%zz", "payload=abc%"}) {
    EXPECT_EQ(FormPayload(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(FormPayloadTest, RecognisesTheContentType) {
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsFormContentType("Application/X-WWW-Form-Urlencoded; charset=utf-8"));
  EXPECT_FALSE(IsFormContentType("application/json"));
  EXPECT_FALSE(IsFormContentType("application/x-www-form-urlencodedx"));
}

}  // namespace
}  // namespace kelola
