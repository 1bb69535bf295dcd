// FencedStore::ConfirmLeadership against the real embedded store: it says
// yes only while the stored lease still carries the caller's token, which
// is what stops a paused former leader before a call outside the store.
#include "engine/fenced_store.h"

#include <gtest/gtest.h>

#include <optional>

namespace kelola {
namespace {

using std::chrono::seconds;

TEST(FencedStoreTest, ConfirmsLeadershipOnlyWhileTheStoredLeaseHasTheToken) {
  FakeClock clock;
  auto opened = OpenSqliteStore(":memory:", clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  EXPECT_TRUE(store.ConfirmLeadership().ok()) << "a plain store has no leader to confirm";

  auto first = store.TryAcquireLease("controller/x", "replica-a", seconds(10));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::optional<LeaseFence> fence_a = LeaseFence{"controller/x", first->token};
  FencedStore a(
      store, [&] { return fence_a; }, "controller \"x\"");
  EXPECT_TRUE(a.ConfirmLeadership().ok());

  // replica-a is paused past its lease; replica-b takes it over. replica-a
  // still believes it leads (its elector has not run yet): the stored token
  // says otherwise.
  clock.Advance(seconds(11));
  auto second = store.TryAcquireLease("controller/x", "replica-b", seconds(10));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_GT(second->token, first->token);
  Status stale = a.ConfirmLeadership();
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition) << stale.ToString();
  EXPECT_NE(stale.message().find("no longer the leader"), std::string::npos) << stale.ToString();

  std::optional<LeaseFence> fence_b = LeaseFence{"controller/x", second->token};
  FencedStore b(
      store, [&] { return fence_b; }, "controller \"x\"");
  EXPECT_TRUE(b.ConfirmLeadership().ok());

  // Once its elector notices, replica-a refuses without asking the database.
  fence_a.reset();
  EXPECT_EQ(a.ConfirmLeadership().code(), StatusCode::kFailedPrecondition);
  // Released: nobody leads, so nobody may act.
  ASSERT_TRUE(store.ReleaseLease("controller/x", "replica-b", second->token).ok());
  EXPECT_EQ(b.ConfirmLeadership().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace kelola
