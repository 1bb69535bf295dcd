#include "pipeline/run_artifact.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(RunArtifact, OnlyPlainRelativePathsInsideTheRunsDirectory) {
  EXPECT_EQ(*ArtifactFilePath("/d/artifacts", "r-1", "out/report.txt"), "/d/artifacts/r-1/out/report.txt");
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "./a"}) {
    auto p = ArtifactFilePath("/d/artifacts", "r-1", bad);
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ArtifactFilePath("/d/artifacts", "../r", "x").ok());
  EXPECT_FALSE(ArtifactFilePath("/d/artifacts", "a/b", "x").ok());
}

}  // namespace
}  // namespace kelola
