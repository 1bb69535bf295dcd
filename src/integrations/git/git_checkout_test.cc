// GitCheckout with the real git CLI: a local bare repository over file://,
// ssh to the harness's sshd, and https-style token auth against a local
// HTTP server that records what git sends.
#include "integrations/git/git_checkout.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "base/crypto.h"
#include "net/http_server.h"
#include "proc/process_runner.h"
#include "tests/harness/sshd_fleet.h"
#include "tests/harness/temp_dir.h"

namespace kelola::git {
namespace {

namespace fs = std::filesystem;

std::string Git(const std::string& dir, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"git", "-C", dir};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {{"PATH", "/usr/bin:/bin"},
              {"HOME", dir},
              {"GIT_CONFIG_NOSYSTEM", "1"},
              {"GIT_AUTHOR_NAME", "t"},
              {"GIT_AUTHOR_EMAIL", "t@kelola.invalid"},
              {"GIT_COMMITTER_NAME", "t"},
              {"GIT_COMMITTER_EMAIL", "t@kelola.invalid"}};
  auto r = RunProcess(spec);
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->stderr_data : r.status().ToString());
  std::string out = r.ok() ? r->stdout_data : "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class GitCheckoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-git-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    ::chmod(dir_->path().c_str(), 0755);  // the ssh login user reads the repo
    bare_ = dir_->File("origin.git");
    const std::string work = dir_->File("work");
    fs::create_directories(work);
    Git(dir_->path(), {"init", "-q", "--bare", bare_});
    Git(work, {"init", "-q"});
    std::ofstream(work + "/app.txt") << "version one\n";
    Git(work, {"add", "app.txt"});
    Git(work, {"commit", "-q", "-m", "one"});
    first_ = Git(work, {"rev-parse", "HEAD"});
    std::ofstream(work + "/app.txt") << "version two\n";
    std::ofstream(work + "/new.txt") << "added later\n";
    Git(work, {"add", "."});
    Git(work, {"commit", "-q", "-m", "two"});
    second_ = Git(work, {"rev-parse", "HEAD"});
    Git(work, {"push", "-q", bare_, "HEAD:refs/heads/main"});
  }
  std::unique_ptr<harness::TempDir> dir_;
  std::string bare_, first_, second_;
  GitCheckout checkout_;
};

TEST_F(GitCheckoutTest, ChecksOutTheExactCommitOverFile) {
  for (const std::string& commit : {first_, second_}) {
    CheckoutRequest request;
    request.url = "file://" + bare_;
    request.commit = commit;
    request.workspace = dir_->File("ws-" + commit.substr(0, 8));
    StepCancel cancel;
    auto result = checkout_.Checkout(request, cancel);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->commit, commit);
    EXPECT_EQ(Git(request.workspace, {"rev-parse", "HEAD"}), commit);
    EXPECT_EQ(ReadFile(request.workspace + "/app.txt"), commit == first_ ? "version one\n" : "version two\n");
    EXPECT_EQ(fs::exists(request.workspace + "/new.txt"), commit == second_);
    // Shallow: only the one commit was fetched.
    EXPECT_EQ(Git(request.workspace, {"rev-list", "--count", "HEAD"}), "1");
  }
}

TEST_F(GitCheckoutTest, MissingCommitIsNotFound) {
  CheckoutRequest request;
  request.url = "file://" + bare_;
  request.commit = std::string(40, 'a');
  request.workspace = dir_->File("ws");
  StepCancel cancel;
  auto result = checkout_.Checkout(request, cancel);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound) << result.status().ToString();
  EXPECT_NE(result.status().message().find("commit " + std::string(40, 'a') + " is not in file://" + bare_),
            std::string::npos)
      << result.status().message();

  request.url = "file://" + dir_->File("no-such-repo.git");
  request.workspace = dir_->File("ws2");
  request.commit = first_;
  auto no_repo = checkout_.Checkout(request, cancel);
  EXPECT_EQ(no_repo.status().code(), StatusCode::kNotFound) << no_repo.status().ToString();
}

TEST_F(GitCheckoutTest, RefusesBadRequests) {
  StepCancel cancel;
  CheckoutRequest request;
  request.url = "file://" + bare_;
  request.commit = first_.substr(0, 12);  // abbreviated
  request.workspace = dir_->File("ws");
  EXPECT_EQ(checkout_.Checkout(request, cancel).status().code(), StatusCode::kInvalidArgument);
  request.commit = first_;
  fs::create_directories(dir_->File("busy"));
  std::ofstream(dir_->File("busy/file")) << "x";
  request.workspace = dir_->File("busy");
  EXPECT_EQ(checkout_.Checkout(request, cancel).status().code(), StatusCode::kFailedPrecondition);
  request.workspace = "relative/ws";
  EXPECT_EQ(checkout_.Checkout(request, cancel).status().code(), StatusCode::kInvalidArgument);
  request.workspace = dir_->File("ws");
  for (const char* url :
       {"ext::sh -c touch% /tmp/pwned", "-uhelp", "--upload-pack=touch /tmp/x",
        "https://user:password@github.com/o/r.git", "http://example.com/o/r.git", "ftp://h/r", "relative/path"}) {
    request.url = url;
    EXPECT_EQ(checkout_.Checkout(request, cancel).status().code(), StatusCode::kInvalidArgument) << url;
  }
  request.url = "file://" + bare_;
  request.https_token = "t";
  EXPECT_EQ(checkout_.Checkout(request, cancel).status().code(), StatusCode::kInvalidArgument);
  request.https_token.clear();
  request.url = "git@github.com:o/r.git";  // ssh without known_hosts
  EXPECT_EQ(checkout_.Checkout(request, cancel).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(GitCheckoutTest, CancelledCheckoutStops) {
  StepCancel cancel;
  cancel.Cancel();
  CheckoutRequest request;
  request.url = "file://" + bare_;
  request.commit = first_;
  request.workspace = dir_->File("ws");
  EXPECT_EQ(checkout_.Checkout(request, cancel).status().code(), StatusCode::kCancelled);
}

TEST_F(GitCheckoutTest, HttpsTokenGoesInAHeaderNeverInErrors) {
  HttpServerOptions options;
  options.io_threads = 1;
  HttpServer server(options);
  std::mutex mu;
  std::vector<std::string> authorizations, targets;
  server.Route("GET", "/o/r.git/info/refs", [&](HttpRequest& req) {
    std::lock_guard lock(mu);
    authorizations.push_back(req.Header("Authorization"));
    targets.push_back(req.target);
    return HttpResponse::Text(403, "forbidden\n");
  });
  ASSERT_TRUE(server.Start().ok());
  const std::string token = "ghs_t0k3n_never_logged";
  CheckoutRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/o/r.git";
  request.commit = first_;
  request.workspace = dir_->File("ws");
  request.https_token = token;
  StepCancel cancel;
  auto result = checkout_.Checkout(request, cancel);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kPermissionDenied) << result.status().ToString();
  EXPECT_EQ(result.status().message().find(token), std::string::npos);
  std::lock_guard lock(mu);
  ASSERT_FALSE(authorizations.empty());
  EXPECT_EQ(authorizations.front(), "Basic " + Base64Encode("x-access-token:" + token));
  EXPECT_EQ(targets.front().rfind("/o/r.git/info/refs", 0), 0u) << targets.front();
}

TEST_F(GitCheckoutTest, SshWithKeyAndKnownHosts) {
  auto fleet = harness::SshdFleet::Start(1);
  if (fleet.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << fleet.status().message();
  ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
  const harness::SshHost& host = (*fleet)->hosts()[0];
  // git refuses a repository owned by another user ("dubious ownership").
  ProcessSpec chown;
  chown.argv = {"chown", "-R", (*fleet)->user(), bare_};
  chown.env = {{"PATH", "/usr/bin:/bin"}};
  auto owned = RunProcess(chown);
  ASSERT_TRUE(owned.ok() && owned->ok());
  CheckoutRequest request;
  request.url = "ssh://" + (*fleet)->user() + "@127.0.0.1:" + std::to_string(host.port) + bare_;
  request.commit = second_;
  request.workspace = dir_->File("ws-ssh");
  request.ssh_private_key = ReadFile((*fleet)->client_key_path());
  request.ssh_known_hosts = (*fleet)->known_hosts();
  StepCancel cancel;
  auto result = checkout_.Checkout(request, cancel);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(ReadFile(request.workspace + "/new.txt"), "added later\n");

  // A host key that does not match is refused, not accepted.
  request.workspace = dir_->File("ws-ssh-wrong");
  request.ssh_known_hosts = "[127.0.0.1]:" + std::to_string(host.port) +
                            " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm\n";
  auto wrong = checkout_.Checkout(request, cancel);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied) << wrong.status().ToString();
  EXPECT_EQ(wrong.status().message().find("PRIVATE KEY"), std::string::npos);
}

TEST(GitUrlTest, ClassifiesAndScopes) {
  EXPECT_EQ(*ClassifyGitUrl("file:///srv/a.git"), GitTransport::kFile);
  EXPECT_EQ(*ClassifyGitUrl("https://github.com/o/r.git"), GitTransport::kHttps);
  EXPECT_EQ(*ClassifyGitUrl("http://127.0.0.1:8080/o/r.git"), GitTransport::kHttp);
  EXPECT_EQ(*ClassifyGitUrl("ssh://git@h:22/o/r.git"), GitTransport::kSsh);
  EXPECT_EQ(*ClassifyGitUrl("git@github.com:o/r.git"), GitTransport::kSsh);
  EXPECT_EQ(HttpUrlPrefix("https://bot@github.com/o/r.git"), "https://github.com/");
  EXPECT_EQ(ShellQuoteWord("/tmp/it's here"), "'/tmp/it'\\''s here'");
}

}  // namespace
}  // namespace kelola::git
