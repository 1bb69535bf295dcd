// The agent's syslog and stdin inputs end to end with the real binaries:
// `kelola server` with its embedded store, `kelola agent` listening for
// syslog on loopback TCP and UDP, and util-linux `logger` sending numbered
// RFC 5424 and RFC 3164 lines. A line with a broken header goes in the
// middle: it must be stored as raw text and counted, and every numbered
// line around it must arrive.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

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

// Sends `bytes` to 127.0.0.1:port over TCP (connected) or UDP.
void SendRaw(int type, int port, const std::string& bytes) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

class SyslogPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!harness::FindExecutable("logger")) GTEST_SKIP() << "util-linux logger is not installed";
    auto dir = harness::TempDir::Create("kelola-syslog-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    for (int* p : {&port_, &tcp_port_, &udp_port_}) {
      auto port = harness::FreePort();
      ASSERT_TRUE(port.ok());
      *p = *port;
    }
    auto server = harness::KelolaServer::Start(
        {.data_dir = dir_->File("data"), .log_path = dir_->File("server.log"), .port = port_});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    url_ = server_->url();
    admin_token_ = server_->AdminToken();
    auto r = server_->Cli({"token", "create", "--name", "agent-1", "--role", "operator"});
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
    agent_token_ = r->out;
    while (!agent_token_.empty() && agent_token_.back() == '\n') agent_token_.pop_back();
  }

  void WaitForPort(int port, harness::ChildProcess& child, const std::string& log) {
    for (int i = 0; i < 600 && !harness::PortAcceptsConnections(port); ++i) {
      ASSERT_TRUE(child.Running()) << harness::TailOfFile(dir_->File(log));
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_TRUE(harness::PortAcceptsConnections(port)) << harness::TailOfFile(dir_->File(log));
  }

  std::string AgentConfig(const std::string& inputs) {
    return "name: agent-1\nserver: " + url_ + "\ntoken: " + agent_token_ + "\ndata_dir: " + dir_->File("agent") +
           "\nmetrics_listen: 127.0.0.1:0\nservice: it\npoll_interval: 20ms\n"
           "batch:\n  max_records: 100\n  max_wait: 100ms\n"
           "retry:\n  initial_backoff: 100ms\n  max_backoff: 1s\n" +
           inputs;
  }

  json Query(const std::string& params) {
    auto reply = harness::HttpCall(
        {.url = url_ + "/v1/logs/query?limit=10000&" + params, .headers = {"Authorization: Bearer " + admin_token_}});
    if (!reply.ok() || reply->status != 200) {
      ADD_FAILURE() << (reply.ok() ? reply->body : reply.status().ToString());
      return json::object({{"items", json::array()}});
    }
    return json::parse(reply->body);
  }

  // Stored "n=<number> " lines -> how often each was stored.
  std::map<int, int> StoredNumbers() {
    std::map<int, int> seen;
    const json reply = Query("contains=n%3D");  // kept alive: a range-for over a temporary's member dangles
    for (const auto& item : reply["items"]) {
      const std::string text = item["text"];
      auto at = text.find(" n=");
      if (at != std::string::npos) seen[std::atoi(text.c_str() + at + 3)]++;
    }
    return seen;
  }

  bool WaitForCount(size_t want, seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (StoredNumbers().size() >= want) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  // Lines "prefix n=<i> ..." for i in [from, to), one per line, for logger -f.
  std::string NumberedFile(const std::string& name, int from, int to) {
    std::string text;
    for (int i = from; i < to; ++i) text += "app says n=" + std::to_string(i) + " " + std::string(i % 50, 'x') + "\n";
    EXPECT_TRUE(harness::WriteFile(dir_->File(name), text).ok());
    return dir_->File(name);
  }

  void Logger(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"logger", "--server", "127.0.0.1", "-t", "itapp"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = harness::RunCommand(argv);
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::KelolaServer> server_;
  int port_ = 0, tcp_port_ = 0, udp_port_ = 0;
  std::string url_, admin_token_, agent_token_;
};

TEST_F(SyslogPipelineTest, NumberedLinesOverTcpAndUdpAllArriveAroundABrokenHeader) {
  std::string tcp = std::to_string(tcp_port_), udp = std::to_string(udp_port_);
  ASSERT_TRUE(harness::WriteFile(dir_->File("agent.yaml"),
                                 AgentConfig("syslog:\n  tcp_listen: [127.0.0.1:" + tcp +
                                             "]\n  udp_listen: [127.0.0.1:" + udp + "]\n  labels: [via=syslog]\n"))
                  .ok());
  auto agent =
      harness::ChildProcess::Spawn({.argv = {harness::KelolaBinary(), "agent", "--config", dir_->File("agent.yaml")},
                                    .log_path = dir_->File("agent.log")});
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  WaitForPort(tcp_port_, **agent, "agent.log");  // the UDP socket is bound before the TCP one

  // TCP, newline framing (RFC 5424), then octet counting (RFC 3164 layout).
  Logger({"--tcp", "--port", tcp, "--rfc5424", "-p", "local3.err", "-f", NumberedFile("a.txt", 0, 400)});
  SendRaw(SOCK_STREAM, tcp_port_, "<999>1 broken header n=100000 raw\n");
  Logger({"--tcp", "--port", tcp, "--rfc3164", "--octet-count", "-p", "user.warning", "-f",
          NumberedFile("b.txt", 400, 800)});
  ASSERT_TRUE(WaitForCount(801, seconds(60))) << harness::TailOfFile(dir_->File("agent.log"));
  // UDP has no backpressure: send in rounds the socket buffer holds, as a
  // sender that respects the documented limit would.
  for (int from = 800; from < 1000; from += 50) {
    Logger({"--udp", "--port", udp, from % 100 == 0 ? "--rfc5424" : "--rfc3164", "-f",
            NumberedFile("u.txt", from, from + 50)});
    if (from == 900) SendRaw(SOCK_DGRAM, udp_port_, "<13>Foo 99 broken n=100001 raw");
    ASSERT_TRUE(WaitForCount(static_cast<size_t>(from + 50 + 1 + (from >= 900 ? 1 : 0)), seconds(30)))
        << harness::TailOfFile(dir_->File("agent.log"));
  }

  auto seen = StoredNumbers();
  int missing = 0, duplicates = 0;
  for (int n = 0; n < 1000; ++n) {
    auto it = seen.find(n);
    if (it == seen.end()) {
      if (++missing <= 10) ADD_FAILURE() << "line " << n << " is missing";
    } else {
      duplicates += it->second - 1;
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(seen[100000], 1) << "the broken TCP line is kept as raw text";
  EXPECT_EQ(seen[100001], 1) << "the broken UDP datagram is kept as raw text";

  // Parsed: level from the PRI, fields from the header, the input's labels.
  auto errors = Query("level=error&contains=n%3D7%20");
  ASSERT_EQ(errors["items"].size(), 1u) << errors.dump();
  const auto& item = errors["items"][0];
  EXPECT_EQ(item["level"], "error");
  EXPECT_EQ(item["fields"]["appname"], "itapp");
  EXPECT_EQ(item["fields"]["facility"], "local3");
  EXPECT_EQ(item["fields"]["via"], "syslog");
  EXPECT_EQ(item["labels"]["service"], "it");
  EXPECT_EQ(item["file"], "syslog+tcp://127.0.0.1:" + tcp);
  auto cli = server_->Cli({"logs", "query", "--level", "error", "--contains", "n=7 "});
  ASSERT_TRUE(cli.ok() && cli->exit_code == 0) << (cli.ok() ? cli->err : cli.status().ToString());
  EXPECT_NE(cli->out.find("app says n=7 "), std::string::npos) << cli->out;
  auto warns = Query("level=warn&contains=n%3D450%20");
  ASSERT_EQ(warns["items"].size(), 1u);
  EXPECT_EQ(warns["items"][0]["level"], "warn");
  auto broken = Query("contains=n%3D100000");
  ASSERT_EQ(broken["items"].size(), 1u);
  EXPECT_EQ(broken["items"][0]["text"], "<999>1 broken header n=100000 raw");
  EXPECT_EQ(broken["items"][0]["level"], "");

  // The agent counted the two lines it could not parse, and dropped nothing.
  auto log = harness::ReadFile(dir_->File("agent.log"));
  ASSERT_TRUE(log.ok());
  auto pos = log->rfind("metrics on port ");
  ASSERT_NE(pos, std::string::npos) << *log;
  auto metrics =
      harness::HttpCall({.url = "http://127.0.0.1:" + std::to_string(std::atoi(log->c_str() + pos + 16)) + "/metrics"});
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("kelola_agent_records_unparsed_total{input=\"syslog\"} 2"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("kelola_agent_syslog_udp_dropped_total 0"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("kelola_agent_records_dropped_total 0"), std::string::npos);
  (*agent)->Stop();
  EXPECT_EQ((*agent)->exit_code(), 0) << harness::TailOfFile(dir_->File("agent.log"));
}

TEST_F(SyslogPipelineTest, AgentReadingStdinShipsEveryLineAndExitsAtItsEnd) {
  ASSERT_TRUE(harness::WriteFile(dir_->File("stdin.yaml"),
                                 AgentConfig("stdin:\n  enabled: true\n  parser: json\n  labels: [via=stdin]\n"))
                  .ok());
  std::string input;
  for (int i = 0; i < 500; ++i) {
    input += i == 250 ? "not json n=" + std::to_string(i) + " \n"
                      : R"({"level":"WARNING","msg":"app says n=)" + std::to_string(i) + R"( ok"})" + "\n";
  }
  auto r =
      harness::RunCommand({harness::KelolaBinary(), "agent", "--config", dir_->File("stdin.yaml")}, seconds(60), input);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  // Exited only after the server acknowledged: everything is stored already.
  auto seen = StoredNumbers();
  EXPECT_EQ(seen.size(), 500u) << r->out << r->err;
  for (int i = 0; i < 500; ++i) EXPECT_EQ(seen[i], 1) << i;
  auto warns = Query("level=warn");
  EXPECT_EQ(warns["items"].size(), 499u);
  auto raw = Query("contains=not%20json");
  ASSERT_EQ(raw["items"].size(), 1u);
  // The input's label, and the template id the server adds to every stored line.
  EXPECT_EQ(raw["items"][0]["fields"].size(), 2u) << raw.dump();
  EXPECT_EQ(raw["items"][0]["fields"]["via"], "stdin");
  EXPECT_TRUE(raw["items"][0]["fields"].contains("template_id"));
  EXPECT_EQ(raw["items"][0]["file"], "stdin");
  auto bad = harness::HttpCall(
      {.url = url_ + "/v1/logs/query?level=loud", .headers = {"Authorization: Bearer " + admin_token_}});
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400) << bad->body;
}

}  // namespace
}  // namespace kelola
