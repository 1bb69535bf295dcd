// Every case of the AWS SigV4 test suite (aws-c-auth's v4 cases, copied to
// tests/data/aws-sigv4-test-suite), signed for the Authorization header and
// presigned into the query string, each compared on its canonical request,
// string to sign, signature and signed request. A missing suite fails the
// test: it never silently passes with zero cases.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integrations/aws/sigv4.h"

namespace kelola {
namespace {

namespace fs = std::filesystem;

fs::path SuiteDir() {
  if (const char* env = std::getenv("KELOLA_SIGV4_SUITE"); env != nullptr && *env != '\0') return env;
  const fs::path in_tree = fs::path(KELOLA_SOURCE_DIR) / "tests/data/aws-sigv4-test-suite";
  if (fs::exists(in_tree)) return in_tree;
  return "/work/shared/data/aws-sigv4-test-suite";
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

WallTime ParseTimestamp(const std::string& text) {  // "2015-08-30T12:36:00Z"
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct SuiteCase {
  std::string name;
  SignableRequest request;
  AwsCredentials credentials;
  SigV4Params params;
};

SuiteCase LoadCase(const fs::path& dir) {
  SuiteCase c;
  c.name = dir.filename().string();
  auto request = ParseSignableRequest(Slurp(dir / "request.txt"));
  EXPECT_TRUE(request.ok()) << c.name << ": " << request.status().ToString();
  if (request.ok()) c.request = *request;
  const auto context = nlohmann::json::parse(Slurp(dir / "context.json"));
  c.credentials.access_key_id = context["credentials"]["access_key_id"];
  c.credentials.secret_access_key = context["credentials"]["secret_access_key"];
  c.credentials.session_token = context["credentials"].value("token", "");
  c.params.region = context["region"];
  c.params.service = context["service"];
  c.params.time = ParseTimestamp(context["timestamp"]);
  c.params.normalize_path = context.value("normalize", true);
  c.params.add_content_sha256_header = context.value("sign_body", false);
  c.params.omit_session_token = context.value("omit_session_token", false);
  c.params.presign_expires = std::chrono::seconds(context.value("expiration_in_seconds", 3600));
  return c;
}

std::vector<fs::path> CaseDirs() {
  std::vector<fs::path> dirs;
  const fs::path v4 = SuiteDir() / "v4";
  if (!fs::is_directory(v4)) return dirs;
  for (const auto& entry : fs::directory_iterator(v4)) {
    if (entry.is_directory() && fs::exists(entry.path() / "request.txt")) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(SigV4SuiteTest, SuiteIsPresent) {
  // 38 cases in aws-c-auth's v4 suite; fewer means a broken copy.
  ASSERT_GE(CaseDirs().size(), 38u) << "AWS SigV4 test suite missing or incomplete under " << SuiteDir()
                                    << " (set KELOLA_SIGV4_SUITE)";
}

TEST(SigV4SuiteTest, HeaderSigningMatchesEveryCase) {
  const auto dirs = CaseDirs();
  ASSERT_FALSE(dirs.empty()) << "no cases under " << SuiteDir();
  for (const auto& dir : dirs) {
    const SuiteCase c = LoadCase(dir);
    auto sig = SignRequest(c.request, c.credentials, c.params);
    ASSERT_TRUE(sig.ok()) << c.name << ": " << sig.status().ToString();
    EXPECT_EQ(sig->canonical_request, Slurp(dir / "header-canonical-request.txt")) << c.name;
    EXPECT_EQ(sig->string_to_sign, Slurp(dir / "header-string-to-sign.txt")) << c.name;
    EXPECT_EQ(sig->signature, Slurp(dir / "header-signature.txt")) << c.name;
    EXPECT_EQ(RenderSignableRequest(ApplySignature(c.request, *sig)), Slurp(dir / "header-signed-request.txt"))
        << c.name;
  }
}

TEST(SigV4SuiteTest, QuerySigningMatchesEveryCase) {
  const auto dirs = CaseDirs();
  ASSERT_FALSE(dirs.empty()) << "no cases under " << SuiteDir();
  for (const auto& dir : dirs) {
    const SuiteCase c = LoadCase(dir);
    auto sig = PresignRequest(c.request, c.credentials, c.params);
    ASSERT_TRUE(sig.ok()) << c.name << ": " << sig.status().ToString();
    EXPECT_EQ(sig->canonical_request, Slurp(dir / "query-canonical-request.txt")) << c.name;
    EXPECT_EQ(sig->string_to_sign, Slurp(dir / "query-string-to-sign.txt")) << c.name;
    EXPECT_EQ(sig->signature, Slurp(dir / "query-signature.txt")) << c.name;
    EXPECT_EQ(RenderSignableRequest(ApplySignature(c.request, *sig)), Slurp(dir / "query-signed-request.txt"))
        << c.name;
  }
}

}  // namespace
}  // namespace kelola
