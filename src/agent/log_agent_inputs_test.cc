// The agent's syslog and stdin inputs, its parsers, labels and filters, on
// real sockets and pipes on loopback; the server is a fake BatchSender.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "agent/log_agent.h"
#include "agent/syslog_input.h"
#include "logs/log_frame.h"
#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Decodes what it is sent; answers Unavailable while `down`.
class RecordingSender : public BatchSender {
 public:
  Status Send(const std::string& frame) override {
    frames.push_back(frame);
    if (down) return UnavailableError("server down");
    auto batch = DecodeFrame(frame);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (batch.ok()) {
      for (auto& r : batch->records) records.push_back(std::move(r));
    }
    return OkStatus();
  }
  bool down = false;
  std::vector<std::string> frames;
  std::vector<LogRecord> records;
};

int Connect(int type, uint16_t port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return fd;
}

void SendAll(int fd, const std::string& bytes) {
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

class LogAgentInputsTest : public ::testing::Test {
 protected:
  AgentOptions Options() {
    AgentOptions o;
    o.name = "test-agent";
    o.data_dir = dir.File("agent");
    o.batch_max_records = 50;
    o.batch_max_wait = milliseconds(100);
    o.retry_initial = milliseconds(100);
    o.retry_max = seconds(1);
    o.syslog_processing.parser.kind = LogParserKind::kSyslog;
    return o;
  }
  std::unique_ptr<LogAgent> Make(AgentOptions o) {
    auto a = LogAgent::Create(std::move(o), sender, clock, metrics);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(*a) : nullptr;
  }
  // Steps (moving the fake clock past batch_max_wait) until `done` or 10 s
  // of real time passed: data crosses real sockets.
  template <typename Done>
  bool StepUntil(LogAgent& a, Done done) {
    auto deadline = std::chrono::steady_clock::now() + seconds(60);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      EXPECT_TRUE(a.Step().ok());
      clock.Advance(milliseconds(200));
      std::this_thread::yield();
    }
    return true;
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const auto& r : sender.records) out.push_back(r.text);
    return out;
  }

  ScratchDir dir;
  FakeClock clock;
  MetricsRegistry metrics;
  RecordingSender sender;
};

TEST_F(LogAgentInputsTest, SyslogOverTcpAndUdpIsParsedAndABrokenHeaderIsKeptAndCounted) {
  AgentOptions o = Options();
  o.syslog.tcp_listen = {"127.0.0.1:0"};
  o.syslog.udp_listen = {"127.0.0.1:0"};
  o.syslog_processing.labels = {{"source", "syslog"}};
  auto agent = Make(o);
  ASSERT_NE(agent, nullptr);
  auto* syslog = dynamic_cast<SyslogInput*>(agent->input("syslog"));
  ASSERT_NE(syslog, nullptr);

  int tcp = Connect(SOCK_STREAM, syslog->tcp_ports()[0]);
  const std::string m1 = "<11>1 2026-11-27T14:20:40Z vm app 7 - [x@1 k=\"v\"] n=1";
  SendAll(tcp, std::to_string(m1.size()) + " " + m1);      // octet counting
  SendAll(tcp, "<999> broken header n=2\n");               // newline framing, bad PRI
  SendAll(tcp, "<13>Nov 27 14:20:41 vm app[9]: n=3\r\n");  // RFC 3164
  ASSERT_TRUE(StepUntil(*agent, [&] { return sender.records.size() == 3; })) << sender.records.size();
  int udp = Connect(SOCK_DGRAM, syslog->udp_ports()[0]);
  SendAll(udp, "<12>1 - vm app - - - n=4\n");
  ASSERT_TRUE(StepUntil(*agent, [&] { return sender.records.size() == 4; }));
  ::close(tcp);
  ::close(udp);

  EXPECT_EQ(Texts(), (std::vector<std::string>{m1, "<999> broken header n=2", "<13>Nov 27 14:20:41 vm app[9]: n=3",
                                               "<12>1 - vm app - - - n=4"}));
  const auto& r = sender.records;
  EXPECT_EQ(r[0].level, "error");
  EXPECT_EQ(r[0].fields.at("message"), "n=1");
  EXPECT_EQ(r[0].fields.at("x@1.k"), "v");
  EXPECT_EQ(r[0].fields.at("source"), "syslog");
  EXPECT_EQ(r[1].level, "");  // kept as raw text, with the input's labels only
  EXPECT_EQ(r[1].fields, (std::map<std::string, std::string>{{"source", "syslog"}}));
  EXPECT_EQ(r[2].level, "info");
  EXPECT_EQ(r[2].fields.at("procid"), "9");
  EXPECT_EQ(r[3].level, "warn");
  // One stream per listener with increasing offsets: the server's dedup key.
  EXPECT_EQ(r[0].stream_id, r[2].stream_id);
  EXPECT_NE(r[0].stream_id, r[3].stream_id);
  EXPECT_EQ(r[0].path, "syslog+tcp://127.0.0.1:" + std::to_string(syslog->tcp_ports()[0]));
  EXPECT_EQ(r[0].offset, 0u);
  EXPECT_EQ(r[1].offset, r[0].end_offset);
  EXPECT_EQ(r[2].offset, r[1].end_offset);
  std::string text = metrics.RenderText();
  EXPECT_NE(text.find("kelola_agent_records_unparsed_total{input=\"syslog\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("kelola_agent_records_parsed_total{input=\"syslog\"} 3"), std::string::npos) << text;
}

TEST_F(LogAgentInputsTest, RetriedSyslogBatchCarriesTheSameStreamAndOffsets) {
  AgentOptions o = Options();
  o.syslog.udp_listen = {"127.0.0.1:0"};
  auto agent = Make(o);
  ASSERT_NE(agent, nullptr);
  int udp = Connect(SOCK_DGRAM, dynamic_cast<SyslogInput*>(agent->input("syslog"))->udp_ports()[0]);
  sender.down = true;
  SendAll(udp, "<13>1 - h a - - - n=1");
  ASSERT_TRUE(StepUntil(*agent, [&] { return sender.frames.size() == 1; }));
  sender.down = false;
  clock.Advance(seconds(2));
  ASSERT_TRUE(StepUntil(*agent, [&] { return sender.records.size() == 1; }));
  ::close(udp);
  ASSERT_EQ(sender.frames.size(), 2u);
  EXPECT_EQ(sender.frames[0], sender.frames[1]);  // byte for byte: the server sees the same (stream, offset)
}

TEST_F(LogAgentInputsTest, UdpDatagramsTheKernelDroppedAreCounted) {
  AgentOptions o = Options();
  o.syslog.udp_listen = {"127.0.0.1:0"};
  o.syslog_processing.parser.kind = LogParserKind::kNone;
  o.batch_max_records = 1000;
  auto agent = Make(o);
  ASSERT_NE(agent, nullptr);
  auto* syslog = dynamic_cast<SyslogInput*>(agent->input("syslog"));
  int udp = Connect(SOCK_DGRAM, syslog->udp_ports()[0]);
  // The agent does not read meanwhile: far more than a receive buffer holds.
  const int burst = 20000;
  for (int i = 0; i < burst; ++i) SendAll(udp, "<13>1 - h a - - - n=" + std::to_string(i) + std::string(200, 'x'));
  ASSERT_TRUE(StepUntil(*agent, [&] {
    return syslog->counters().messages > 0 && agent->queued_records() == 0 && !agent->batch_in_flight();
  }));
  // The kernel reports its drop count with the next datagram it queues.
  SendAll(udp, "<13>1 - h a - - - last");
  ASSERT_TRUE(StepUntil(*agent, [&] {
    return !sender.records.empty() && sender.records.back().text == "<13>1 - h a - - - last" &&
           !agent->batch_in_flight();
  }));
  ::close(udp);
  uint64_t dropped = syslog->counters().udp_dropped;
  EXPECT_GT(dropped, 0u) << "the burst fit in the receive buffer; nothing to count";
  EXPECT_EQ(sender.records.size() + dropped, static_cast<size_t>(burst) + 1);
  ASSERT_TRUE(agent->Step().ok());  // exports the counters
  EXPECT_NE(metrics.RenderText().find("kelola_agent_syslog_udp_dropped_total " + std::to_string(dropped)),
            std::string::npos)
      << metrics.RenderText();
}

TEST_F(LogAgentInputsTest, FullQueuePausesTcpReadsAndLosesNothing) {
  AgentOptions o = Options();
  o.syslog.tcp_listen = {"127.0.0.1:0"};
  o.buffer_max_bytes = 4096;
  o.syslog_processing.parser.kind = LogParserKind::kNone;
  auto agent = Make(o);
  ASSERT_NE(agent, nullptr);
  int tcp = Connect(SOCK_STREAM, dynamic_cast<SyslogInput*>(agent->input("syslog"))->tcp_ports()[0]);
  ::fcntl(tcp, F_SETFL, O_NONBLOCK);
  sender.down = true;
  // Write until the kernel's buffers are full: the agent stopped reading.
  int written = 0;
  bool blocked = false;
  std::string pending;
  for (int round = 0; round < 200000 && !blocked; ++round) {
    if (pending.empty())
      pending = "<13>1 - h a - - - n=" + std::to_string(written) + " " + std::string(100, 'x') + "\n";
    ssize_t n = ::send(tcp, pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n < 0) {
      ASSERT_EQ(errno, EAGAIN);
      // Give the agent chances to read; it may not, the queue being full.
      for (int i = 0; i < 20; ++i) ASSERT_TRUE(agent->Step().ok());
      n = ::send(tcp, pending.data(), pending.size(), MSG_NOSIGNAL);
      if (n < 0) blocked = true;
    }
    if (n > 0) {
      pending.erase(0, static_cast<size_t>(n));
      if (pending.empty()) ++written;
    }
  }
  ASSERT_TRUE(blocked) << "the agent kept reading with a full queue";
  EXPECT_LE(agent->queued_records() * 120, 4096u + 64 * 1024);  // bounded by the budget plus one read
  // The server comes back: everything written arrives, in order.
  sender.down = false;
  ::fcntl(tcp, F_SETFL, 0);
  std::thread writer([&] {
    if (!pending.empty()) SendAll(tcp, pending);
    ::shutdown(tcp, SHUT_WR);
  });
  int expected = written + (pending.empty() ? 0 : 1);
  bool all = StepUntil(*agent, [&] { return static_cast<int>(sender.records.size()) >= expected; });
  writer.join();
  ::close(tcp);
  ASSERT_TRUE(all) << sender.records.size() << " of " << expected;
  for (int i = 0; i < expected; ++i) {
    EXPECT_EQ(sender.records[i].text.rfind("<13>1 - h a - - - n=" + std::to_string(i) + " ", 0), 0u) << i;
  }
}

TEST_F(LogAgentInputsTest, StdinLinesAreParsedShippedAndTheAgentFinishesAtTheEnd) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  AgentOptions o = Options();
  o.stdin_enabled = true;
  o.stdin_fd = p[0];
  o.stdin_processing.parser.kind = LogParserKind::kLogfmt;
  o.stdin_processing.filter.min_level = "info";
  auto agent = Make(o);
  ASSERT_NE(agent, nullptr);
  std::string input = "level=info n=1\nlevel=debug n=2\nnot logfmt at all\nlevel=error n=4";  // no final newline
  ASSERT_EQ(::write(p[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ASSERT_TRUE(StepUntil(*agent, [&] { return sender.records.size() == 2; }));
  EXPECT_FALSE(agent->finished());
  ::close(p[1]);
  ASSERT_TRUE(StepUntil(*agent, [&] { return agent->finished(); }));
  ::close(p[0]);
  EXPECT_EQ(Texts(), (std::vector<std::string>{"level=info n=1", "not logfmt at all", "level=error n=4"}));
  EXPECT_EQ(sender.records[0].fields.at("n"), "1");
  EXPECT_EQ(sender.records[2].level, "error");
  EXPECT_EQ(sender.records[0].path, "stdin");
  EXPECT_EQ(sender.records[1].offset, 31u);  // byte offsets in the stream
  EXPECT_EQ(sender.records[2].end_offset, input.size());
  std::string text = metrics.RenderText();
  EXPECT_NE(text.find("kelola_agent_records_filtered_total{input=\"stdin\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("kelola_agent_records_unparsed_total{input=\"stdin\"} 1"), std::string::npos) << text;
}

TEST_F(LogAgentInputsTest, FilteredFileLinesStillAdvanceTheCheckpoint) {
  std::string content = "keep 1\ndrop 2\nkeep 3\ndrop 4\ndrop 5\n";
  dir.Write("a.log", content);
  AgentOptions o = Options();
  o.file.include = {dir.File("*.log")};
  o.file.read_from_head = true;
  o.file_processing.filter.drop_regex = "^drop";
  o.file_processing.labels = {{"team", "core"}};
  auto agent = Make(o);
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(StepUntil(*agent, [&] { return sender.records.size() == 2 && !agent->batch_in_flight(); }));
  EXPECT_EQ(Texts(), (std::vector<std::string>{"keep 1", "keep 3"}));
  EXPECT_EQ(sender.records[0].fields.at("team"), "core");
  // "keep 3" carries the bytes of the two dropped lines after it.
  EXPECT_EQ(sender.records[1].end_offset, content.size());
  auto cps = CheckpointStore::Open(dir.File("agent/checkpoints"));
  ASSERT_TRUE(cps.ok());
  ASSERT_EQ(cps->All().size(), 1u);
  EXPECT_EQ(cps->All()[0].offset, content.size());
}

}  // namespace
}  // namespace kelola

namespace kelola {
namespace {

TEST(SyslogInputTest, ListenAddressesAreCheckedAndNamed) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitListenAddress("[::1]:5514", "k", host, port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 5514);
  for (const char* bad : {"nohost", ":5514", "h:", "h:65536", "h:x"}) {
    Status s = SplitListenAddress(bad, "syslog.tcp_listen", host, port);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("syslog.tcp_listen"), std::string::npos) << s.message();
  }
  FakeClock clock;
  auto taken = SyslogInput::Create({.tcp_listen = {"127.0.0.1:0"}}, clock);
  ASSERT_TRUE(taken.ok());
  auto again = SyslogInput::Create({.tcp_listen = {"127.0.0.1:" + std::to_string((*taken)->tcp_ports()[0])}}, clock);
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable) << again.status().ToString();
}

TEST(SyslogInputTest, ConnectionsOverTheLimitAreClosedAndCounted) {
  FakeClock clock;
  auto input = SyslogInput::Create({.tcp_listen = {"127.0.0.1:0"}, .max_connections = 1}, clock);
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  int first = Connect(SOCK_STREAM, (*input)->tcp_ports()[0]);
  int second = Connect(SOCK_STREAM, (*input)->tcp_ports()[0]);
  std::vector<LogRecord> out;
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while ((*input)->counters().connections_refused == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*input)->Poll(1 << 20, out).ok());
  }
  EXPECT_EQ((*input)->counters().connections_refused, 1u);
  EXPECT_EQ((*input)->open_connections(), 1u);
  char c;
  EXPECT_EQ(::recv(second, &c, 1, 0), 0);  // closed by the agent
  SendAll(first, "<13>1 - h a - - - still served\n");
  while (out.empty() && std::chrono::steady_clock::now() < deadline) ASSERT_TRUE((*input)->Poll(1 << 20, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "<13>1 - h a - - - still served");
  ::close(first);
  ::close(second);
}

}  // namespace
}  // namespace kelola
