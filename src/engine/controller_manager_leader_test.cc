// ControllerManager with leader election: two managers stand for two server
// replicas on one store. Caller-driven with a FakeClock: every step is
// explicit, nothing sleeps.
#include <gtest/gtest.h>

#include <mutex>

#include "engine/controller_manager.h"
#include "engine/fake_store_for_test.h"

namespace kelola {
namespace {

using std::chrono::seconds;
using Execution = ControllerManager::Execution;

// Marks each Host it sees as handled by its replica (a status write through
// the store it was given), and counts its calls.
class StampingReconciler : public Reconciler {
 public:
  StampingReconciler(Store& store, std::string replica) : store_(store), replica_(std::move(replica)) {}

  Result<ReconcileResult> Reconcile(const std::string& key) override {
    std::lock_guard<std::mutex> l(mu_);
    ++calls_;
    KELOLA_ASSIGN_OR_RETURN(ResourceKeyParts parts, ParseResourceKey(key));
    auto host = store_.GetResource(parts.kind, parts.name);
    if (host.status().code() == StatusCode::kNotFound) return ReconcileResult{};
    KELOLA_RETURN_IF_ERROR(host.status());
    Resource stamped = *host;
    stamped.status_json = R"({"handledBy":")" + replica_ + R"("})";
    PutOptions options;
    options.status_only = true;
    Status written = store_.PutResource(stamped, options).status();
    if (!written.ok()) last_error_ = written;
    return written.ok() ? Result<ReconcileResult>(ReconcileResult{}) : Result<ReconcileResult>(written);
  }

  int calls() {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }
  Status last_error() {
    std::lock_guard<std::mutex> l(mu_);
    return last_error_;
  }

 private:
  Store& store_;
  const std::string replica_;
  std::mutex mu_;
  int calls_ = 0;
  Status last_error_;
};

struct Replica {
  Replica(Store& store, Clock& clock, const std::string& name) : manager(store, clock) {
    LeaderElectionConfig election;
    election.holder = name;
    EXPECT_TRUE(manager.EnableLeaderElection(election).ok());
    ControllerOptions options;
    options.name = "hosts";
    options.kinds = {"Host"};
    options.make_reconciler = [this, name](Store& fenced) {
      reconciler = std::make_shared<StampingReconciler>(fenced, name);
      return reconciler;
    };
    EXPECT_TRUE(manager.Register(std::move(options)).ok());
    EXPECT_TRUE(manager.Start(Execution::kCallerDriven).ok());
  }
  bool leading() { return manager.Stats("hosts")->leading; }

  ControllerManager manager;
  std::shared_ptr<StampingReconciler> reconciler;
};

std::string HandledBy(Store& store, const std::string& name) {
  auto host = store.GetResource("Host", name);
  return host.ok() ? host->status_json : host.status().ToString();
}

Status PutHost(Store& store, const std::string& name) {
  Resource r;
  r.kind = "Host";
  r.name = name;
  return store.PutResource(r, {}).status();
}

class ControllerManagerLeaderTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  FakeStore store_{clock_};
};

TEST_F(ControllerManagerLeaderTest, OnlyTheLeaderReconcilesAndItsWritesCarryTheFence) {
  ASSERT_TRUE(PutHost(store_, "web-1").ok());
  Replica a(store_, clock_, "replica-a");
  Replica b(store_, clock_, "replica-b");
  a.manager.RunPending();  // a campaigns first and wins
  b.manager.RunPending();
  EXPECT_TRUE(a.leading());
  EXPECT_FALSE(b.leading());
  EXPECT_EQ(HandledBy(store_, "web-1"), R"({"handledBy":"replica-a"})");

  ASSERT_TRUE(PutHost(store_, "web-2").ok());
  a.manager.RunPending();
  b.manager.RunPending();
  EXPECT_EQ(HandledBy(store_, "web-2"), R"({"handledBy":"replica-a"})");
  EXPECT_EQ(b.reconciler->calls(), 0) << "the follower drops changes: not its business";
  EXPECT_EQ(b.manager.Stats("hosts")->queued, 0u);

  // The follower's reconciler store refuses writes outright.
  EXPECT_EQ(b.reconciler->Reconcile("Host/web-1").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(HandledBy(store_, "web-1"), R"({"handledBy":"replica-a"})");
  auto leases = store_.ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].name, ControllerLeaseName("hosts"));
  EXPECT_EQ((*leases)[0].holder, "replica-a");
}

TEST_F(ControllerManagerLeaderTest, AFollowerTakesOverFromAPausedLeaderWhoseLateWritesFail) {
  ASSERT_TRUE(PutHost(store_, "web-1").ok());
  Replica a(store_, clock_, "replica-a");
  Replica b(store_, clock_, "replica-b");
  a.manager.RunPending();
  b.manager.RunPending();
  ASSERT_TRUE(a.leading());
  const int a_calls = a.reconciler->calls();

  // a is paused; b keeps campaigning until the lease expires (15 s).
  for (int i = 0; i < 8; ++i) {
    clock_.Advance(seconds(2));
    b.manager.RunPending();
  }
  ASSERT_TRUE(b.leading());
  EXPECT_EQ(HandledBy(store_, "web-1"), R"({"handledBy":"replica-b"})") << "the new leader lists everything";

  // a resumes with a key in hand (a late watch event) before its elector
  // has run: the reconcile happens, but its write is fenced off.
  ASSERT_TRUE(a.manager.Enqueue("hosts", "Host/web-1").ok());
  auto direct = a.reconciler->Reconcile("Host/web-1");
  EXPECT_EQ(direct.status().code(), StatusCode::kFailedPrecondition) << direct.status().ToString();
  EXPECT_EQ(HandledBy(store_, "web-1"), R"({"handledBy":"replica-b"})") << "the paused leader wrote nothing";
  a.manager.RunPending();  // its elector runs first: it steps down, the queued key is dropped
  EXPECT_FALSE(a.leading());
  EXPECT_EQ(a.reconciler->calls(), a_calls + 1) << "only the direct call above";
  EXPECT_EQ(HandledBy(store_, "web-1"), R"({"handledBy":"replica-b"})");
}

TEST_F(ControllerManagerLeaderTest, StoppingTheLeaderHandsOverWithoutWaitingForExpiry) {
  ASSERT_TRUE(PutHost(store_, "web-1").ok());
  auto a = std::make_unique<Replica>(store_, clock_, "replica-a");
  Replica b(store_, clock_, "replica-b");
  a->manager.RunPending();
  b.manager.RunPending();
  ASSERT_TRUE(a->leading());
  a->manager.Stop();  // a rolling upgrade takes replica a down
  clock_.Advance(seconds(2));
  b.manager.RunPending();
  EXPECT_TRUE(b.leading());
  EXPECT_EQ(HandledBy(store_, "web-1"), R"({"handledBy":"replica-b"})");
}

TEST_F(ControllerManagerLeaderTest, RegistrationRules) {
  ControllerManager manager(store_, clock_);
  LeaderElectionConfig bad;
  EXPECT_EQ(manager.EnableLeaderElection(bad).code(), StatusCode::kInvalidArgument) << "no holder";
  ControllerOptions options;
  options.name = "hosts";
  options.kinds = {"Host"};
  EXPECT_EQ(manager.Register(options).code(), StatusCode::kInvalidArgument) << "no reconciler at all";
  options.make_reconciler = [](Store& store) { return std::make_shared<StampingReconciler>(store, "x"); };
  options.reconciler = std::make_shared<StampingReconciler>(store_, "y");
  EXPECT_EQ(manager.Register(options).code(), StatusCode::kInvalidArgument) << "both set";
  options.reconciler = nullptr;
  ASSERT_TRUE(manager.Register(options).ok());
  LeaderElectionConfig late;
  late.holder = "replica-a";
  EXPECT_EQ(manager.EnableLeaderElection(late).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(manager.Stats("hosts")->leading) << "without election a controller always leads";
}

}  // namespace
}  // namespace kelola
