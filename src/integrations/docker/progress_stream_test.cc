#include "integrations/docker/progress_stream.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

const char kDigest[] = "sha256:6b1c8ad28cc2a1c9e25e7bba2d5f9a6a4cfd0b5e4c3e6dc4fa0e6d9d2f1c0a11";

TEST(ProgressStreamTest, BuildOutputStepsAndImageId) {
  std::vector<std::string> lines;
  ProgressStream p([&](std::string_view l) { lines.emplace_back(l); });
  for (const char* line : {
           R"({"stream":"Step 1/2 : FROM scratch\n"})",
           R"({"stream":" ---\u003e \n"})",
           R"({"stream":"Step 2/2 : COPY app /app"})",
           R"({"stream":"\n"})",
           "",
           R"({"aux":{"ID":"sha256:abc"}})",
           R"({"stream":"Successfully built abc\n"})",
       }) {
    ASSERT_TRUE(p.Add(line).ok()) << line;
  }
  p.Finish();
  EXPECT_FALSE(p.failed());
  EXPECT_EQ(p.image_id(), "sha256:abc");
  EXPECT_EQ(p.current_step(), "Step 2/2 : COPY app /app");
  EXPECT_EQ(lines, (std::vector<std::string>{"Step 1/2 : FROM scratch", " ---> ", "Step 2/2 : COPY app /app",
                                             "Successfully built abc"}));
}

TEST(ProgressStreamTest, ErrorInsideTheStreamNamesTheFailingStep) {
  ProgressStream p;
  ASSERT_TRUE(p.Add(R"({"stream":"Step 3/4 : RUN false\n"})").ok());
  ASSERT_TRUE(p.Add(R"({"stream":" ---\u003e Running in 4f2\n"})").ok());
  ASSERT_TRUE(
      p.Add(R"({"errorDetail":{"code":1,"message":"The command '/bin/sh -c false' returned a non-zero code: 1"},)"
            R"("error":"The command '/bin/sh -c false' returned a non-zero code: 1"})")
          .ok());
  EXPECT_TRUE(p.failed());
  EXPECT_EQ(p.failed_step(), "Step 3/4 : RUN false");
  EXPECT_EQ(p.error(), "The command '/bin/sh -c false' returned a non-zero code: 1");
  // Only "error" (old engines) counts too; the first error is kept.
  ProgressStream q;
  ASSERT_TRUE(q.Add(R"({"error":"first"})").ok());
  ASSERT_TRUE(q.Add(R"({"errorDetail":{"message":"second"}})").ok());
  EXPECT_EQ(q.error(), "first");
  ProgressStream r;
  ASSERT_TRUE(r.Add(R"({"errorDetail":{}})").ok());
  EXPECT_TRUE(r.failed());
}

TEST(ProgressStreamTest, PushDigestFromAuxOrStatus) {
  ProgressStream aux;
  ASSERT_TRUE(aux.Add(R"({"status":"The push refers to repository [127.0.0.1:5000/app]"})").ok());
  ASSERT_TRUE(aux.Add(R"({"status":"Pushed","progressDetail":{},"id":"a1b2"})").ok());
  ASSERT_TRUE(aux.Add(std::string(R"({"aux":{"Tag":"v1","Digest":")") + kDigest + R"(","Size":527}})").ok());
  EXPECT_EQ(aux.digest(), kDigest);

  ProgressStream status;
  ASSERT_TRUE(status.Add(std::string(R"({"status":"v1: digest: )") + kDigest + R"( size: 527"})").ok());
  EXPECT_EQ(status.digest(), kDigest);
  EXPECT_EQ(DigestFromPushStatus("v1: digest: sha256:short size: 1"), "");
  EXPECT_EQ(DigestFromPushStatus("Pushing"), "");
}

TEST(ProgressStreamTest, MalformedLinesAreDataLossAndWrongTypesAreIgnored) {
  ProgressStream p;
  EXPECT_EQ(p.Add("not json").code(), StatusCode::kDataLoss);
  EXPECT_EQ(p.Add("[1,2]").code(), StatusCode::kDataLoss);
  EXPECT_TRUE(p.Add(R"({"stream":5,"aux":"x","errorDetail":[],"status":null})").ok());
  EXPECT_FALSE(p.failed());
}

TEST(ProgressStreamTest, TailKeepsTheLastLines) {
  ProgressStream p;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(p.Add(R"({"stream":"line )" + std::to_string(i) + R"(\n"})").ok());
  ASSERT_EQ(p.tail().size(), ProgressStream::kTailLines);
  EXPECT_EQ(p.tail().back(), "line 49");
  EXPECT_EQ(p.tail().front(), "line 30");
}

}  // namespace
}  // namespace kelola::docker
