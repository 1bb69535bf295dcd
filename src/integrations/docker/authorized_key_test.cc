#include "integrations/docker/authorized_key.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "integrations/docker/memory_tar.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola::docker {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The derived line must be what ssh-keygen itself wrote into the .pub file.
TEST(AuthorizedKey, MatchesSshKeygen) {
  auto dir = harness::TempDir::Create("kelola-authkey");
  ASSERT_TRUE(dir.ok());
  for (const char* type : {"ed25519", "ecdsa", "rsa"}) {
    const std::string path = (*dir)->File(std::string("id_") + type);
    auto made = harness::RunCommandOk({"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "kelola-bootstrap", "-f", path});
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    auto line = AuthorizedKeyFor(ReadFile(path));
    ASSERT_TRUE(line.ok()) << type << ": " << line.status().ToString();
    std::string expected = ReadFile(path + ".pub");
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    EXPECT_EQ(*line, expected) << type;
  }
}

TEST(AuthorizedKey, BadKeysAreInvalidArgumentWithoutQuotingThem) {
  auto empty = AuthorizedKeyFor("");
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  const std::string garbage =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXRoaW5n\n-----END OPENSSH PRIVATE KEY-----\n";
  auto bad = AuthorizedKeyFor(garbage);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("c2VjcmV0"), std::string::npos) << bad.status().message();
}

TEST(MemoryTar, ExtractsWithModesThroughTar) {
  auto dir = harness::TempDir::Create("kelola-memtar");
  ASSERT_TRUE(dir.ok());
  auto tar = MakeTar({{"root/.ssh/", "", 0700}, {"root/.ssh/authorized_keys", "ssh-ed25519 AAAA x\n", 0600}});
  ASSERT_TRUE(tar.ok()) << tar.status().ToString();
  EXPECT_EQ(tar->size() % 512, 0u);
  const std::filesystem::path root = (*dir)->path();
  const auto archive = root / "a.tar";
  std::ofstream(archive, std::ios::binary) << *tar;
  auto out = harness::RunCommandOk({"tar", "-xf", archive.string(), "-C", root.string()});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const auto keys = root / "root/.ssh/authorized_keys";
  EXPECT_EQ(ReadFile(keys), "ssh-ed25519 AAAA x\n");
  EXPECT_EQ(std::filesystem::status(keys).permissions() & std::filesystem::perms::all, std::filesystem::perms(0600));
  EXPECT_EQ(std::filesystem::status(root / "root/.ssh").permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0700));
  auto first = ReadFirstTarFile(*tar);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, "ssh-ed25519 AAAA x\n");
  EXPECT_EQ(ReadFirstTarFile(*tar, 5).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ReadFirstTarFile(*MakeTar({{"only/", "", 0755}})).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(ReadFirstTarFile(std::string(1024, 'x')).ok());
  EXPECT_EQ(MakeTar({{"/etc/passwd", "x"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeTar({{"a/../../b", "x"}}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola::docker
