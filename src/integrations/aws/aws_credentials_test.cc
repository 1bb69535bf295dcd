#include "integrations/aws/aws_credentials.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "integrations/aws/aws_ini.h"

namespace kelola {
namespace {

namespace fs = std::filesystem;

class TempHome {
 public:
  TempHome() {
    char templ[] = "/tmp/kelola-aws-cred-XXXXXX";
    path_ = mkdtemp(templ);
  }
  ~TempHome() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& rel, const std::string& text) const {
    const fs::path p = fs::path(path_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::string path_;
};

TEST(AwsIniTest, ParsesSectionsKeysCommentsAndNestedSettings) {
  auto file = ParseAwsIni(
      "\xEF\xBB\xBF# comment\n[default]\naws_access_key_id = AKID\nAWS_Secret_Access_Key=s3cr=et\n; c\n\n"
      "[profile dev]\ns3 =\n  max_concurrent_requests = 20\nregion=eu-west-1\n",
      "creds");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->sections.size(), 2u);
  const auto& def = file->sections.at("default");
  EXPECT_EQ(def.line, 2);
  EXPECT_EQ(def.values.at("aws_access_key_id"), "AKID");
  EXPECT_EQ(def.values.at("aws_secret_access_key"), "s3cr=et");
  const auto& dev = file->sections.at("profile dev");
  EXPECT_EQ(dev.values.at("s3.max_concurrent_requests"), "20");
  EXPECT_EQ(dev.values.at("region"), "eu-west-1");
}

TEST(AwsIniTest, ErrorsNameFileAndLineButNeverTheLine) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"key=1\n", "f:1: setting outside any [section]"},
      {"[a]\nSECRETVALUE\n", "f:2: expected \"key = value\""},
      {"[a\n", "f:1: section header has no closing ']'"},
      {"[]\n", "f:1: empty section name"},
      {"[a] x\n", "f:1: text after"},
      {"[a]\n = SECRETVALUE\n", "f:2: empty key name"},
      {"[a]\nk=v\n  x = SECRETVALUE\n", "f:3: indented setting without a parent key"},
      {"[a]\n[b]\n[a]\n", "f:3: section [a] given twice (first at line 1)"},
  };
  for (const auto& c : cases) {
    auto file = ParseAwsIni(c.text, "f");
    ASSERT_FALSE(file.ok()) << c.text;
    EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(file.status().message().find(c.want), std::string::npos) << file.status().message();
    EXPECT_EQ(file.status().message().find("SECRETVALUE"), std::string::npos) << file.status().message();
  }
}

TEST(AwsCredentialsTest, EnvironmentComesFirst) {
  auto creds = LoadAwsCredentials(
      {}, {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "secret"}, {"AWS_SESSION_TOKEN", "tok"}});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDENV");
  EXPECT_EQ(creds->session_token, "tok");
  EXPECT_EQ(creds->source, "environment");
}

TEST(AwsCredentialsTest, HalfAnEnvironmentPairIsAnError) {
  auto creds = LoadAwsCredentials({}, {{"AWS_ACCESS_KEY_ID", "AKIDENV"}});
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(creds.status().message().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos);
}

TEST(AwsCredentialsTest, SharedFileProfilesFromHomeAwsProfileAndExplicitFile) {
  TempHome home;
  home.Write(".aws/credentials",
             "[default]\naws_access_key_id=AKIDDEF\naws_secret_access_key=sdef\n"
             "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=sdev\naws_session_token=tdev\n");
  auto def = LoadAwsCredentials({}, {{"HOME", home.path()}});
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->access_key_id, "AKIDDEF");
  EXPECT_EQ(def->source, home.path() + "/.aws/credentials [default]");

  auto dev = LoadAwsCredentials({}, {{"HOME", home.path()}, {"AWS_PROFILE", "dev"}});
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->access_key_id, "AKIDDEV");
  EXPECT_EQ(dev->session_token, "tdev");

  const std::string other = home.Write("other", "[ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=sci\n");
  auto ci = LoadAwsCredentials({}, {{"AWS_SHARED_CREDENTIALS_FILE", other}, {"AWS_PROFILE", "ci"}});
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->access_key_id, "AKIDCI");

  // An explicit profile wins over keys in the environment.
  auto explicit_profile = LoadAwsCredentials(
      {.profile = "dev"}, {{"HOME", home.path()}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "senv"}});
  ASSERT_TRUE(explicit_profile.ok());
  EXPECT_EQ(explicit_profile->access_key_id, "AKIDDEV");
}

TEST(AwsCredentialsTest, MissingSourcesAndProfilesSayWhatWasTried) {
  TempHome home;
  auto none = LoadAwsCredentials({}, {{"HOME", home.path()}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(none.status().message().find("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set"), std::string::npos);
  EXPECT_NE(none.status().message().find(home.path() + "/.aws/credentials cannot be read"), std::string::npos);

  home.Write(".aws/credentials", "[default]\naws_access_key_id=AKID\naws_secret_access_key=SECRETVALUE\n[b]\n");
  auto missing = LoadAwsCredentials({}, {{"HOME", home.path()}, {"AWS_PROFILE", "prod"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("profile [prod] is not in"), std::string::npos);
  EXPECT_NE(missing.status().message().find("(profiles: b, default)"), std::string::npos);

  auto empty = LoadAwsCredentials({.profile = "b"}, {{"HOME", home.path()}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("credentials:4: profile [b] has no aws_access_key_id"), std::string::npos);
  EXPECT_EQ(empty.status().message().find("SECRETVALUE"), std::string::npos);
}

}  // namespace
}  // namespace kelola
