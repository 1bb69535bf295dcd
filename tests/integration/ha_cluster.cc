#include "tests/integration/ha_cluster.h"

#include <signal.h>

#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "tests/harness/free_port.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// base64 of 32 bytes: every replica must seal secrets with the same key.
constexpr const char* kMasterKey = "a2Vsb2xhLWhhLXRlc3QtbWFzdGVyLWtleS0zMmJ5dGU=";

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

}  // namespace

bool WaitFor(const std::function<bool()>& done, Duration timeout) {
  Clock& clock = SystemClock();
  const MonoTime deadline = clock.Monotonic() + timeout;
  while (true) {
    if (done()) return true;
    if (clock.Monotonic() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

void HaClusterTest::SetUp() {
  auto pg = harness::PostgresServer::Start();
  if (pg.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << pg.status().message();
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  pg_ = std::move(*pg);
  auto db = pg_->CreateDatabase("kelola_ha");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  store_url_ = *db;
  auto dir = harness::TempDir::Create("kelola-ha-cluster");
  ASSERT_TRUE(dir.ok());
  dir_ = std::move(*dir);
}

void HaClusterTest::TearDown() {
  for (Replica& r : replicas_) {
    if (r.process && r.alive) ::kill(r.process->pid(), SIGCONT);  // a stopped one must hear SIGTERM
  }
}

void HaClusterTest::StartReplicas(int count) {
  for (int i = 0; i < count; ++i) {
    replicas_.emplace_back();
    StartReplica(replicas_.size() - 1);
    if (HasFatalFailure()) return;
  }
}

void HaClusterTest::StartReplica(size_t index) {
  Replica& r = replicas_.at(index);
  if (r.port == 0) {
    auto port = harness::FreePort();
    ASSERT_TRUE(port.ok());
    r.port = *port;
    r.url = "http://127.0.0.1:" + std::to_string(r.port);
    r.log = dir_->File("replica-" + std::to_string(index) + ".log");
  }
  harness::SpawnOptions spawn;
  spawn.argv = {Binary(),     "server",
                "--listen",   "127.0.0.1:" + std::to_string(r.port),
                "--data-dir", dir_->File("data-" + std::to_string(index))};
  spawn.env = {"KELOLA_STORE=" + store_url_, std::string("KELOLA_MASTER_KEY=") + kMasterKey,
               "KELOLA_LEADER_LEASE_DURATION=" + std::to_string(kLease.count()) + "ms",
               "KELOLA_LEADER_RENEW_DEADLINE=" + std::to_string(kRenew.count()) + "ms",
               "KELOLA_LEADER_RETRY_PERIOD=" + std::to_string(kRetry.count()) + "ms"};
  spawn.log_path = r.log;
  auto child = harness::ChildProcess::Spawn(spawn);
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  r.process = std::move(*child);
  r.alive = true;
  Status ready = harness::WaitForHttp({.url = r.url + "/readyz"}, 200, seconds(60));
  ASSERT_TRUE(ready.ok()) << ready.ToString() << "\n" << harness::TailOfFile(r.log);
  if (token_.empty()) {
    auto token = harness::ReadFile(dir_->File("data-" + std::to_string(index) + "/admin.token"));
    ASSERT_TRUE(token.ok()) << harness::TailOfFile(r.log);
    token_ = *token;
    while (!token_.empty() && token_.back() == '\n') token_.pop_back();
  }
}

void HaClusterTest::Kill(size_t replica) {
  ASSERT_EQ(::kill(replicas_.at(replica).process->pid(), SIGKILL), 0);
  replicas_[replica].process->Stop();  // reaps
  replicas_[replica].alive = false;
}

harness::HttpReply HaClusterTest::Call(size_t replica, const std::string& method, const std::string& path,
                                       const std::string& body) {
  harness::HttpRequestSpec spec;
  spec.method = method;
  spec.url = replicas_.at(replica).url + path;
  spec.headers = {"Authorization: Bearer " + token_, "Content-Type: application/json"};
  spec.body = body;
  auto reply = harness::HttpCall(spec);
  return reply.ok() ? *reply : harness::HttpReply{};
}

size_t HaClusterTest::Survivor(size_t n, size_t except) const {
  std::vector<size_t> live;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    if (replicas_[i].alive && i != except) live.push_back(i);
  }
  return live.at(n % live.size());
}

int HaClusterTest::Holder(size_t via, const std::string& lease, int64_t* token) {
  auto reply = Call(via, "GET", "/v1/leaders");
  json doc = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || doc.is_discarded()) return -1;
  for (const auto& item : doc["items"]) {
    if (item["name"] != lease || !item["leading"].get<bool>()) continue;
    // holder: "host:pid:nonce"
    const std::string holder = item["holder"];
    const size_t first = holder.find(':');
    const size_t second = holder.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) return -1;
    const pid_t pid = std::atoi(holder.substr(first + 1, second - first - 1).c_str());
    for (size_t i = 0; i < replicas_.size(); ++i) {
      if (replicas_[i].process && replicas_[i].alive && replicas_[i].process->pid() == pid) {
        if (token != nullptr) *token = item["token"].get<int64_t>();
        return static_cast<int>(i);
      }
    }
  }
  return -1;
}

void HaClusterTest::PutWebhookSecretAndPipeline(const std::string& extra_spec) {
  auto secret = Call(0, "PUT", "/v1/secrets/hello-hook",
                     json{{"spec", {{"type", "webhook-secret"}, {"value", kHookSecret}}}}.dump());
  ASSERT_TRUE(secret.status == 200 || secret.status == 201) << secret.body;
  auto pipeline =
      Call(0, "PUT", "/v1/pipelines/hello",
           R"({"spec":{"forge":"github","repository":"Codertocat/Hello-World","webhookSecret":"hello-hook",)"
           R"("branches":["master"])" +
               extra_spec + "}}");
  ASSERT_TRUE(pipeline.status == 200 || pipeline.status == 201) << pipeline.body;
}

long HaClusterTest::Deliver(size_t replica, const std::string& body, const std::string& delivery) {
  harness::HttpRequestSpec spec;
  spec.method = "POST";
  spec.url = replicas_.at(replica).url + "/v1/hooks/github";
  spec.headers = {"Content-Type: application/json", "X-GitHub-Event: push", "X-GitHub-Delivery: " + delivery,
                  "X-Hub-Signature-256: sha256=" + HexEncode(HmacSha256(kHookSecret, body))};
  spec.body = body;
  auto reply = harness::HttpCall(spec);
  return reply.ok() ? reply->status : 0;
}

std::map<std::string, int> HaClusterTest::RunsByDelivery(size_t via) {
  std::map<std::string, int> out;
  auto reply = Call(via, "GET", "/v1/runs?limit=1000");
  json doc = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || doc.is_discarded()) return out;
  for (const auto& run : doc["items"]) ++out[run.value("deliveryId", std::string())];
  return out;
}

bool HaClusterTest::LogHasLine(size_t replica, const std::vector<std::string>& parts) const {
  auto log = harness::ReadFile(replicas_.at(replica).log);
  if (!log.ok()) return false;
  size_t start = 0;
  while (start < log->size()) {
    size_t end = log->find('\n', start);
    if (end == std::string::npos) end = log->size();
    const std::string_view line(log->data() + start, end - start);
    bool all = true;
    for (const std::string& part : parts) all = all && line.find(part) != std::string_view::npos;
    if (all) return true;
    start = end + 1;
  }
  return false;
}

std::string HaClusterTest::Logs() const {
  std::string out;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    out += "--- replica " + std::to_string(i) + "\n" + harness::TailOfFile(replicas_[i].log, 15);
  }
  return out;
}

}  // namespace kelola
