// HttpBatchSender across server replicas, against real loopback HTTP
// servers: it moves on from a dead or failing replica within one Send,
// sticks to the one that answered, and stops at answers every replica
// would give.
#include "agent/batch_sender.h"

#include <gtest/gtest.h>

#include <atomic>

#include "net/http_server.h"

namespace kelola {
namespace {

struct Replica {
  explicit Replica(int status) : answer(status), server(HttpServerOptions{}) {
    server.Route("POST", "/v1/logs/ingest", [this](HttpRequest&) {
      ++frames;
      return HttpResponse::Json(answer.load(), answer.load() == 200 ? R"({"stored":1})" : R"({"error":"x"})");
    });
    EXPECT_TRUE(server.Start().ok());
  }
  std::string url() { return "http://127.0.0.1:" + std::to_string(server.port()); }

  std::atomic<int> answer;
  std::atomic<int> frames{0};
  HttpServer server;
};

// A loopback port nobody listens on any more.
std::string DeadUrl() {
  Replica gone(200);
  std::string url = gone.url();
  gone.server.Stop();
  return url;
}

HttpBatchSender Sender(std::vector<std::string> servers) {
  HttpBatchSenderOptions o;
  o.servers = std::move(servers);
  o.timeout = std::chrono::milliseconds(5000);
  return HttpBatchSender(o);
}

TEST(HttpBatchSenderTest, MovesOnFromADeadReplicaAndSticksToTheOneThatAnswered) {
  Replica b(200);
  Replica c(200);
  HttpBatchSender sender = Sender({DeadUrl(), b.url(), c.url()});
  EXPECT_TRUE(sender.Send("frame-1").ok());
  EXPECT_TRUE(sender.Send("frame-2").ok());
  EXPECT_EQ(b.frames.load(), 2) << "sticks to b";
  EXPECT_EQ(c.frames.load(), 0);

  b.answer = 503;  // b's store is down: c takes the frame in the same Send
  EXPECT_TRUE(sender.Send("frame-3").ok());
  EXPECT_EQ(b.frames.load(), 3);
  EXPECT_EQ(c.frames.load(), 1);
  b.answer = 200;
  EXPECT_TRUE(sender.Send("frame-4").ok());
  EXPECT_EQ(c.frames.load(), 2) << "now sticks to c";
}

TEST(HttpBatchSenderTest, AllReplicasDownIsUnavailableAndARefusedTokenStopsAtOnce) {
  Replica a(503);
  HttpBatchSender down = Sender({DeadUrl(), a.url()});
  EXPECT_EQ(down.Send("frame").code(), StatusCode::kUnavailable);

  Replica refusing(401);
  Replica other(200);
  HttpBatchSender sender = Sender({refusing.url(), other.url()});
  EXPECT_EQ(sender.Send("frame").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(other.frames.load(), 0) << "another replica would refuse the same token";
}

}  // namespace
}  // namespace kelola
