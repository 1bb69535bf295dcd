// The log pipeline end to end with the real binary: `kelola server` with its
// embedded log store and `kelola agent` tailing files in a temp dir. Numbered
// lines are written while the agent is killed with SIGKILL and restarted, the
// file is rotated by rename and by copytruncate, and the server is killed
// and restarted; at the end every number must be in the store, with
// duplicates counted and bounded by one batch.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "logs/log_frame.h"
#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kBatch = 200;

class LogPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-logs-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    std::filesystem::create_directories(dir_->File("logs"));
    auto port = harness::FreePort();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  void StartServer() {
    auto server = harness::KelolaServer::Start(
        {.data_dir = dir_->File("data"), .log_path = dir_->File("server.log"), .port = port_, .env = server_env_});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::string AdminToken() { return server_->AdminToken(); }

  std::string CreateAgentToken() {
    auto r = server_->Cli({"token", "create", "--name", "agent-1", "--role", "operator"});
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
    std::string token = r.ok() ? r->out : "";
    while (!token.empty() && token.back() == '\n') token.pop_back();
    return token;
  }

  void WriteAgentConfig(const std::string& token, const std::string& extra_yaml = "") {
    std::string yaml = "name: agent-1\nserver: " + url_ + "\ntoken: " + token + "\ndata_dir: " + dir_->File("agent") +
                       "\nmetrics_listen: 127.0.0.1:0\nlabels: [service=it]\npoll_interval: 50ms\n"
                       "file:\n  include: ['" +
                       dir_->File("logs/app.log*") +
                       "']\n  read_from: head\n"
                       "  rotated_grace: 2s\n"
                       "batch:\n  max_records: " +
                       std::to_string(kBatch) +
                       "\n  max_wait: 200ms\n"
                       "retry:\n  initial_backoff: 100ms\n  max_backoff: 1s\n" +
                       extra_yaml;
    ASSERT_TRUE(harness::WriteFile(dir_->File("agent.yaml"), yaml).ok());
  }

  void StartAgent() {
    auto child =
        harness::ChildProcess::Spawn({.argv = {harness::KelolaBinary(), "agent", "--config", dir_->File("agent.yaml")},
                                      .log_path = dir_->File("agent.log")});
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    agent_ = std::move(*child);
  }

  void KillAgent() {
    ::kill(agent_->pid(), SIGKILL);
    agent_->Stop(seconds(1));  // reaps
  }

  void KillServer() { server_->Kill(); }

  // A counter or gauge from the running agent's /metrics (its port is in its log).
  double AgentMetric(const std::string& name) {
    auto log = harness::ReadFile(dir_->File("agent.log"));
    if (!log.ok()) return -1;
    auto pos = log->rfind("metrics on port ");
    if (pos == std::string::npos) return -1;
    int port = std::atoi(log->c_str() + pos + 16);
    auto reply = harness::HttpCall({.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics"});
    if (!reply.ok()) return -1;
    auto at = reply->body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::atof(reply->body.c_str() + at + name.size() + 2);
  }

  void WaitAgentMetricAtLeast(const std::string& name, double value, Duration timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (AgentMetric(name) < value && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(100));
    ASSERT_GE(AgentMetric(name), value) << name << "\nagent:\n" << harness::TailOfFile(dir_->File("agent.log"));
  }

  // Checks that every number in [0, count) was stored, duplicates within one batch.
  void ExpectAllStored(int count) {
    auto seen = StoredNumbers();
    int missing = 0;
    int duplicates = 0;
    for (int n = 0; n < count; ++n) {
      auto it = seen.find(n);
      if (it == seen.end()) {
        if (++missing <= 10) ADD_FAILURE() << "line " << n << " is missing";
      } else {
        duplicates += it->second - 1;
      }
    }
    EXPECT_EQ(missing, 0);
    EXPECT_LE(duplicates, kBatch) << "duplicates must stay within one batch";
    RecordProperty("duplicates", duplicates);
    std::cout << "lines stored: " << seen.size() << ", missing: " << missing << ", duplicates: " << duplicates << "\n";
  }

  // Every stored record's number -> how many times it was stored.
  std::map<int, int> StoredNumbers() {
    std::map<int, int> seen;
    uint64_t after = 0;
    for (;;) {
      auto reply = harness::HttpCall({.url = url_ + "/v1/logs/query?limit=10000&after=" + std::to_string(after),
                                      .headers = {"Authorization: Bearer " + AdminToken()},
                                      .ca_file = ca_file_});
      if (!reply.ok() || reply->status != 200) {
        ADD_FAILURE() << (reply.ok() ? reply->body : reply.status().ToString());
        return seen;
      }
      auto doc = json::parse(reply->body);
      for (const auto& item : doc["items"]) {
        const std::string text = item["text"];
        if (text.rfind("n=", 0) == 0) seen[std::atoi(text.c_str() + 2)]++;
      }
      after = doc["next"];
      if (!doc["more"].get<bool>()) return seen;
    }
  }

  bool Stored(int number) {
    auto reply = harness::HttpCall(
        {.url = url_ + "/v1/logs/query?limit=1&contains=" + harness::UrlEncode("n=" + std::to_string(number) + " "),
         .headers = {"Authorization: Bearer " + AdminToken()},
         .ca_file = ca_file_});
    return reply.ok() && reply->status == 200 && json::parse(reply->body)["items"].size() == 1;
  }

  void WaitStored(int number, Duration timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!Stored(number) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(100));
    ASSERT_TRUE(Stored(number)) << "line " << number << " never arrived\nagent:\n"
                                << harness::TailOfFile(dir_->File("agent.log"));
  }

  // Appends lines [from, to) to logs/app.log the way an application does
  // (O_APPEND, reopened for each chunk so a rotation is followed).
  void WriteLines(int from, int to) {
    for (int n = from; n < to; n += 50) {
      std::string chunk;
      for (int i = n; i < std::min(n + 50, to); ++i) {
        chunk += "n=" + std::to_string(i) + " the quick brown fox jumps over the lazy dog " + std::string(i % 40, 'x') +
                 "\n";
      }
      int fd = ::open(dir_->File("logs/app.log").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
      ::close(fd);
      std::this_thread::sleep_for(milliseconds(2));
    }
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::vector<std::string> server_env_;
  std::string ca_file_;  // set when the server serves HTTPS
  std::unique_ptr<harness::KelolaServer> server_;
  std::unique_ptr<harness::ChildProcess> agent_;
  int port_ = 0;
  std::string url_;
};

TEST_F(LogPipelineTest, EveryLineArrivesThroughAgentKillsRotationsAndServerRestart) {
  StartServer();
  WriteAgentConfig(CreateAgentToken());
  StartAgent();

  WriteLines(0, 3000);
  WaitStored(1000, seconds(60));
  KillAgent();  // mid-shipping: some lines read, some sent, not all acknowledged
  WriteLines(3000, 4000);
  StartAgent();

  WriteLines(4000, 6000);
  std::filesystem::rename(dir_->File("logs/app.log"), dir_->File("logs/app.log.1"));  // rotation by rename
  WriteLines(6000, 8000);

  // Rotation by copytruncate: lines the agent has not read when the file is
  // truncated are gone from it by definition, so rotate once it caught up.
  WaitStored(7999, seconds(60));
  std::filesystem::copy_file(dir_->File("logs/app.log"), dir_->File("logs/copied.old"));
  ASSERT_EQ(::truncate(dir_->File("logs/app.log").c_str(), 0), 0);
  WriteLines(8000, 10000);

  KillServer();  // the agent keeps reading and retries with backoff
  WriteLines(10000, 12000);
  std::this_thread::sleep_for(seconds(3));
  StartServer();
  WriteLines(12000, 13000);
  KillAgent();
  StartAgent();
  WriteLines(13000, 15000);

  WaitStored(14999, seconds(90));
  ExpectAllStored(15000);

  // The agent's own metrics: nothing dropped.
  auto log = harness::ReadFile(dir_->File("agent.log"));
  ASSERT_TRUE(log.ok());
  auto pos = log->rfind("metrics on port ");
  ASSERT_NE(pos, std::string::npos) << *log;
  int metrics_port = std::atoi(log->c_str() + pos + 16);
  auto metrics = harness::HttpCall({.url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"});
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("kelola_agent_records_dropped_total 0"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("kelola_agent_lines_read_total"), std::string::npos);

  // A clean stop saves checkpoints and exits 0.
  agent_->Stop();
  EXPECT_EQ(agent_->exit_code(), 0) << harness::TailOfFile(dir_->File("agent.log"));
}

// A minute of server outage during which the agent is killed and a rotated
// file is deleted (as logrotate's maxage/rotate would): only the agent's disk
// buffer still has those lines, and every one of them must arrive. (With
// buffer.disk.enabled: false the same script loses lines 1000-2999.)
TEST_F(LogPipelineTest, DiskBufferCarriesAMinuteOfOutageAnAgentKillAndDeletedFiles) {
  StartServer();
  WriteAgentConfig(CreateAgentToken(), "buffer:\n  disk:\n    enabled: true\n    fsync: interval\n");
  StartAgent();
  WriteLines(0, 1000);
  WaitStored(999, seconds(60));

  KillServer();
  auto outage_began = std::chrono::steady_clock::now();
  WriteLines(1000, 3000);
  std::filesystem::rename(dir_->File("logs/app.log"), dir_->File("logs/app.log.1"));
  WriteLines(3000, 4000);
  // Everything read since the start (1,000 already stored) is spooled to disk.
  WaitAgentMetricAtLeast("kelola_agent_lines_read_total", 4000, seconds(60));
  WaitAgentMetricAtLeast("kelola_agent_disk_buffer_bytes", 1, seconds(10));
  std::this_thread::sleep_for(seconds(2));  // past the 1 s fsync interval and the rotated-file grace
  std::filesystem::remove(dir_->File("logs/app.log.1"));
  KillAgent();
  StartAgent();
  WriteLines(4000, 5000);
  std::this_thread::sleep_until(outage_began + seconds(60));
  StartServer();

  WaitStored(4999, seconds(90));
  ExpectAllStored(5000);
  EXPECT_EQ(AgentMetric("kelola_agent_records_dropped_total"), 0);
  EXPECT_EQ(AgentMetric("kelola_agent_disk_buffer_corrupt_entries"), 0);
}

bool SendAll(int fd, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads one HTTP/1.1 response; returns its status and body (-1 on a transport error).
std::pair<int, std::string> ReadResponse(int fd) {
  std::string in;
  char buf[4096];
  size_t body_at = std::string::npos;
  size_t length = 0;
  while (body_at == std::string::npos || in.size() < body_at + length) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {-1, "connection closed after " + in};
    in.append(buf, static_cast<size_t>(n));
    if (body_at == std::string::npos && (body_at = in.find("\r\n\r\n")) != std::string::npos) {
      body_at += 4;
      auto cl = in.find("Content-Length: ");
      length = cl == std::string::npos ? 0 : std::strtoul(in.c_str() + cl + 16, nullptr, 10);
    }
  }
  return {std::atoi(in.c_str() + 9), in.substr(body_at, length)};
}

// 1,000 simulated agents hold connections to one server at the same time and
// each ships a batch; then every one retries it (a lost acknowledgement).
// Every line is stored exactly once.
TEST_F(LogPipelineTest, AThousandConcurrentAgentConnections) {
  constexpr int kAgents = 1000;
  constexpr int kLinesPerAgent = 10;
  StartServer();
  std::string token = CreateAgentToken();
  std::vector<std::string> requests;
  for (int a = 0; a < kAgents; ++a) {
    LogBatch batch;
    batch.agent = "sim-" + std::to_string(a);
    batch.labels = {{"service", "load"}};
    char stream[17];
    std::snprintf(stream, sizeof stream, "%016x", a + 1);
    uint64_t offset = 0;
    for (int i = 0; i < kLinesPerAgent; ++i) {
      LogRecord r;
      r.stream_id = stream;
      r.path = "/var/log/app.log";
      r.text = "n=" + std::to_string(a * kLinesPerAgent + i) + " request served";
      r.offset = offset;
      r.end_offset = offset += r.text.size() + 1;
      r.time_ms = 1'700'000'000'000 + i;
      batch.records.push_back(r);
    }
    auto frame = EncodeFrame(batch);
    ASSERT_TRUE(frame.ok());
    requests.push_back("POST /v1/logs/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                       "\r\nContent-Type: application/x-kelola-frame\r\nContent-Length: " +
                       std::to_string(frame->size()) + "\r\n\r\n" + *frame);
  }
  std::vector<int> fds;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int a = 0; a < kAgents; ++a) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << "connection " << a;
    fds.push_back(fd);
  }
  // All 1,000 are open now; two rounds on the same keep-alive connections.
  for (int round = 0; round < 2; ++round) {
    int stored = 0;
    int duplicates = 0;
    // Every agent sends before any answer is read: the server has 1,000 requests in progress.
    for (int a = 0; a < kAgents; ++a) ASSERT_TRUE(SendAll(fds[a], requests[a])) << "agent " << a;
    for (int a = 0; a < kAgents; ++a) {
      auto [status, body] = ReadResponse(fds[a]);
      ASSERT_EQ(status, 200) << "agent " << a << " round " << round << ": " << body;
      auto doc = json::parse(body);
      stored += doc["accepted"].get<int>();
      duplicates += doc["duplicates"].get<int>();
    }
    EXPECT_EQ(stored, round == 0 ? kAgents * kLinesPerAgent : 0);
    EXPECT_EQ(duplicates, round == 0 ? 0 : kAgents * kLinesPerAgent);
  }
  for (int fd : fds) ::close(fd);
  auto seen = StoredNumbers();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kAgents * kLinesPerAgent));
  for (const auto& [number, times] : seen) EXPECT_EQ(times, 1) << "line " << number;
}

// The agent ships over HTTPS and verifies the server: with an unknown CA it
// sends nothing (and loses nothing); given the CA it delivers every line.
TEST_F(LogPipelineTest, ShipsOverTlsAndRefusesAnUnverifiedServer) {
  auto made =
      harness::RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", dir_->File("key.pem"), "-out", dir_->File("cert.pem")});
  ASSERT_TRUE(made.ok() && made->exit_code == 0) << (made.ok() ? made->err : made.status().ToString());
  server_env_ = {"KELOLA_TLS_CERT_FILE=" + dir_->File("cert.pem"), "KELOLA_TLS_KEY_FILE=" + dir_->File("key.pem")};
  ca_file_ = dir_->File("cert.pem");
  url_ = "https://127.0.0.1:" + std::to_string(port_);
  StartServer();
  WriteAgentConfig(AdminToken());
  StartAgent();
  WriteLines(0, 500);
  std::this_thread::sleep_for(seconds(3));
  EXPECT_FALSE(Stored(0)) << "the agent sent to a server it could not verify";
  auto log = harness::ReadFile(dir_->File("agent.log"));
  EXPECT_NE(log.value_or("").find("certificate"), std::string::npos) << log.value_or("");
  KillAgent();

  WriteAgentConfig(AdminToken(), "tls:\n  ca_file: " + ca_file_ + "\n");
  StartAgent();
  WriteLines(500, 1000);
  WaitStored(999, seconds(60));
  ExpectAllStored(1000);
}

TEST_F(LogPipelineTest, CliQueriesAndFollowsTheStore) {
  StartServer();
  WriteAgentConfig(CreateAgentToken());
  StartAgent();
  auto follow = harness::ChildProcess::Spawn(
      {.argv = {harness::KelolaBinary(), "logs", "tail", "-f", "--after", "0", "--contains", "n=7"},
       .log_path = dir_->File("tail.out"),
       .env = {"KELOLA_SERVER=" + url_, "KELOLA_TOKEN=" + AdminToken()}});
  ASSERT_TRUE(follow.ok()) << follow.status().ToString();
  WriteLines(0, 100);
  WaitStored(99, seconds(60));
  // tail -f streams the matching records as they arrive: n=7 and n=70..79.
  std::string streamed;
  for (int i = 0; i < 100; ++i) {
    streamed = harness::ReadFile(dir_->File("tail.out")).value_or("");
    if (streamed.find("n=79 ") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_NE(streamed.find("agent-1"), std::string::npos) << streamed;
  EXPECT_NE(streamed.find("n=7 "), std::string::npos) << streamed;
  EXPECT_NE(streamed.find("n=79 "), std::string::npos) << streamed;
  EXPECT_EQ(streamed.find("n=80 "), std::string::npos) << streamed;
  (*follow)->Stop();
  auto q = harness::RunCommand({"/usr/bin/env", "-i", "HOME=" + dir_->path(), "KELOLA_SERVER=" + url_,
                                "KELOLA_TOKEN=" + AdminToken(), harness::KelolaBinary(), "logs", "query", "--regex",
                                "^n=4[0-9] ", "-l", "agent=agent-1", "-l", "service=it"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->exit_code, 0) << q->err;
  int lines = 0;
  for (char c : q->out) lines += c == '\n';
  EXPECT_EQ(lines, 10) << q->out;
  EXPECT_NE(q->out.find("n=42 "), std::string::npos);

  auto bad =
      harness::RunCommand({"/usr/bin/env", "-i", "HOME=" + dir_->path(), "KELOLA_SERVER=" + url_,
                           "KELOLA_TOKEN=" + AdminToken(), harness::KelolaBinary(), "logs", "query", "--regex", "("});
  ASSERT_TRUE(bad.ok());
  EXPECT_NE(bad->exit_code, 0);

  auto wrong = harness::HttpCall({.method = "POST",
                                  .url = url_ + "/v1/logs/ingest",
                                  .headers = {"Authorization: Bearer kl_nope_nope"},
                                  .body = "KLF1"});
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  auto malformed = harness::HttpCall({.method = "POST",
                                      .url = url_ + "/v1/logs/ingest",
                                      .headers = {"Authorization: Bearer " + AdminToken()},
                                      .body = "KLF1garbage"});
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->status, 400);
}

}  // namespace
}  // namespace kelola
