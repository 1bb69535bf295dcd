#include "ssh/runbook.h"

#include <gtest/gtest.h>

#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

class RunbookParseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-runbook");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    ASSERT_TRUE(harness::WriteFile(dir_->File("app.bin"), "binary").ok());
    ASSERT_TRUE(harness::WriteFile(dir_->File("app.conf.tmpl"), "port={{ app_port }}\n").ok());
  }
  Result<Runbook> Parse(const std::string& yaml) { return ParseRunbook(yaml, "book.yaml", dir_->path()); }
  std::unique_ptr<harness::TempDir> dir_;
};

TEST_F(RunbookParseTest, ParsesEveryStepKind) {
  auto book = Parse(R"(name: install app
vars: {app_port: "8080"}
steps:
  - name: app dir
    command: mkdir -p /opt/app
    creates: /opt/app
    sudo: true
    timeout: 30s
  - command: /opt/app/migrate
    unless: test -f /opt/app/.migrated
  - upload: {src: app.bin, dest: /opt/app/app, mode: "0755", owner: app}
  - template: {src: app.conf.tmpl, dest: /etc/app.conf, mode: 640}
  - package: {name: [nginx, curl]}
  - package: {name: telnet, state: absent}
  - service: {name: app, state: restarted, enabled: true}
  - service: {name: app, command: /opt/app/app, pidfile: /run/app.pid}
  - wait_for: {port: 8080, timeout: 1m}
  - wait_for: {url: "http://127.0.0.1:8080/health"}
)");
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  EXPECT_EQ(book->name, "install app");
  EXPECT_EQ(book->vars.at("app_port"), "8080");
  ASSERT_EQ(book->steps.size(), 10u);
  const auto& s = book->steps;
  EXPECT_EQ(s[0].name, "app dir");
  EXPECT_EQ(s[0].source, "book.yaml:4:5");
  EXPECT_EQ(s[0].creates, "/opt/app");
  EXPECT_TRUE(s[0].sudo);
  EXPECT_EQ(s[0].timeout, std::chrono::seconds(30));
  EXPECT_EQ(s[1].unless, "test -f /opt/app/.migrated");
  EXPECT_EQ(s[1].name, "command /opt/app/migrate");
  EXPECT_EQ(s[2].kind, RunbookStep::Kind::kUpload);
  EXPECT_EQ(s[2].local_path, dir_->File("app.bin"));
  EXPECT_EQ(s[2].mode, 0755u);
  EXPECT_EQ(s[2].owner, "app");
  EXPECT_EQ(s[3].kind, RunbookStep::Kind::kTemplate);
  EXPECT_EQ(s[3].template_text, "port={{ app_port }}\n");
  EXPECT_EQ(s[3].mode, 0640u);
  EXPECT_EQ(s[4].packages, (std::vector<std::string>{"nginx", "curl"}));
  EXPECT_TRUE(s[4].present);
  EXPECT_FALSE(s[5].present);
  EXPECT_EQ(s[6].service_state, "restarted");
  EXPECT_EQ(s[6].enabled, std::optional<bool>(true));
  EXPECT_EQ(s[7].service_state, "started");
  EXPECT_EQ(s[7].pidfile, "/run/app.pid");
  EXPECT_EQ(s[8].wait_port, 8080);
  EXPECT_EQ(s[8].wait_timeout, std::chrono::minutes(1));
  EXPECT_EQ(s[9].wait_url, "http://127.0.0.1:8080/health");
}

TEST_F(RunbookParseTest, BadRunbooksNameFileLineAndProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"steps:\n  - comand: ls\n", "book.yaml:2:5: unknown key \"comand\" in step (did you mean \"command\"?)"},
      {"steps:\n  - command: ls\n    upload: {src: app.bin, dest: /x}\n",
       "book.yaml:2:5: step has two actions (command and upload)"},
      {"steps:\n  - name: nothing\n", "book.yaml:2:5: step has no action"},
      {"steps:\n  - upload: {src: app.bin, dest: /x}\n    creates: /x\n",
       "book.yaml:3:5: unknown key \"creates\" in step"},
      {"steps:\n  - upload: {src: app.bin, dest: /x, mode: rwx}\n",
       "book.yaml:2:44: upload.mode: expected octal digits like \"0644\", got \"rwx\""},
      {"steps:\n  - template: {src: missing.tmpl, dest: /x}\n", "book.yaml:2:21: template.src: cannot read "},
      {"steps:\n  - upload: {src: app.bin}\n", "book.yaml:2:13: upload: src and dest are required"},
      {"steps:\n  - wait_for: {port: 80, url: \"http://x\"}\n", "wait_for: give either port or url"},
      {"steps:\n  - wait_for: {url: \"ftp://x\"}\n", "book.yaml:2:21: wait_for.url: expected an http"},
      {"steps:\n  - wait_for: {port: 0}\n", "book.yaml:2:22: wait_for.port: 0 is out of range"},
      {"steps:\n  - service: {name: app, state: reloaded}\n",
       "book.yaml:2:33: service.state: expected started, stopped or restarted"},
      {"steps:\n  - service: {name: app, command: /x}\n", "service: command and pidfile go together"},
      {"steps:\n  - package: {name: \"-oDebug::pkgProblemResolver=1\"}\n", "package: bad package name"},
      {"steps:\n  - package: {name: x, state: latest}\n", "package.state: expected present or absent"},
      {"steps:\n  - package: {name: x, deb: /tmp/x.deb}\n", "book.yaml:2:14: package: give either name or deb"},
      {"steps:\n  - package: {state: absent}\n", "package: give either name or deb"},
      {"steps:\n  - package: {deb: x.deb}\n", "book.yaml:2:20: package.deb: expected an absolute path"},
      {"steps:\n  - command: ls\n    timeout: forever\n", "book.yaml:3:14: timeout:"},
      {"steps:\n  - command: ls\n    sudo: please\n", "book.yaml:3:11: sudo: expected true or false"},
      {"steps: []\n", "book.yaml:1:8: steps: expected a non-empty list"},
      {"name: x\n", "runbook has no steps"},
      {"vars: [a]\nsteps:\n  - command: ls\n", "book.yaml:1:7: vars: expected a mapping"},
      {"steps:\n  - command: [unclosed\n", "book.yaml:"},
      {"stepz:\n  - command: ls\n", "book.yaml:1:1: unknown key \"stepz\" in runbook (did you mean \"steps\"?)"},
      {"", "book.yaml: empty runbook"},
  };
  for (const auto& [yaml, expected] : cases) {
    auto book = Parse(yaml);
    ASSERT_FALSE(book.ok()) << yaml;
    EXPECT_EQ(book.status().code(), StatusCode::kInvalidArgument) << yaml;
    EXPECT_NE(book.status().message().find(expected), std::string::npos)
        << "yaml:\n"
        << yaml << "\nmessage: " << book.status().message();
  }
}

TEST_F(RunbookParseTest, LoadResolvesSourcesNextToTheFile) {
  ASSERT_TRUE(harness::WriteFile(dir_->File("book.yaml"), "steps:\n  - upload: {src: app.bin, dest: /tmp/x}\n").ok());
  auto book = LoadRunbook(dir_->File("book.yaml"));
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  EXPECT_EQ(book->steps[0].local_path, dir_->File("app.bin"));
  EXPECT_EQ(LoadRunbook(dir_->File("nope.yaml")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kelola
