// The manager against the real embedded Store: proves that SqliteStore's
// change events carry the "Kind/name" subjects the watch path relies on
// (the rest of the manager is tested against FakeStore).
#include <gtest/gtest.h>

#include <mutex>

#include "engine/controller_manager.h"
#include "store/store.h"

namespace kelola {
namespace {

class RecordingReconciler : public Reconciler {
 public:
  Result<ReconcileResult> Reconcile(const std::string& key) override {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back(key);
    return ReconcileResult{};
  }
  std::vector<std::string> TakeCalls() {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    out.swap(calls_);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> calls_;
};

TEST(ControllerManagerSqliteTest, ListsAndWatchesTheRealStore) {
  FakeClock clock;
  auto opened = OpenSqliteStore(":memory:", clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  auto put = [&](const std::string& kind, const std::string& name, const std::string& spec) {
    Resource r;
    r.kind = kind;
    r.name = name;
    r.spec_json = spec;
    auto stored = store.PutResource(r, PutOptions{});
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  };
  put("Host", "web-1", "{}");
  put("Secret", "db", "{}");

  auto reconciler = std::make_shared<RecordingReconciler>();
  ControllerManager manager(store, clock);
  ControllerOptions options;
  options.name = "hosts";
  options.kinds = {"Host"};
  options.reconciler = reconciler;
  ASSERT_TRUE(manager.Register(options).ok());
  ASSERT_TRUE(manager.Start(ControllerManager::Execution::kCallerDriven).ok());
  EXPECT_EQ(manager.RunPending(), 1u);
  EXPECT_EQ(reconciler->TakeCalls(), std::vector<std::string>{"Host/web-1"});

  put("Host", "web-2", "{}");
  put("Host", "web-1", R"({"size":3})");
  put("Secret", "db", R"({"v":2})");
  EXPECT_EQ(manager.RunPending(), 2u);
  EXPECT_EQ(reconciler->TakeCalls(), (std::vector<std::string>{"Host/web-2", "Host/web-1"}));

  ASSERT_TRUE(store.DeleteResource("Host", "web-2", std::nullopt, "test").ok());
  EXPECT_EQ(manager.RunPending(), 1u);
  EXPECT_EQ(reconciler->TakeCalls(), std::vector<std::string>{"Host/web-2"});
  manager.Stop();
}

}  // namespace
}  // namespace kelola
