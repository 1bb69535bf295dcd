// Store conformance suite, part 3: leases (leader election between
// replicas) and fenced writes. See store_conformance.h.
#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store_conformance.h"

namespace kelola {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr const char* kLease = "controller/hosts";

Resource MakeResource(const std::string& name, const std::string& spec = "{}") {
  Resource r;
  r.kind = "Host";
  r.name = name;
  r.spec_json = spec;
  return r;
}

PutOptions Fenced(int64_t token, const std::string& lease = kLease) {
  PutOptions options;
  options.fence = LeaseFence{lease, token};
  options.actor = "controller";
  return options;
}

DeleteOptions FencedDelete(int64_t token) {
  DeleteOptions options;
  options.fence = LeaseFence{kLease, token};
  return options;
}

TEST_P(StoreConformanceTest, FirstAcquireCreatesTheLeaseWithTokenOne) {
  auto lease = store().TryAcquireLease(kLease, "replica-a", seconds(15));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ(lease->name, kLease);
  EXPECT_EQ(lease->holder, "replica-a");
  EXPECT_EQ(lease->token, 1);
  EXPECT_EQ(UnixMillis(lease->acquired_at), UnixMillis(clock_.Now()));
  EXPECT_EQ(lease->renewed_at, lease->acquired_at);
  EXPECT_EQ(UnixMillis(lease->expires_at), UnixMillis(clock_.Now()) + 15000);
  auto listed = store().ListLeases();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].holder, "replica-a");
  EXPECT_EQ((*listed)[0].expires_at, lease->expires_at);
}

TEST_P(StoreConformanceTest, AnotherHolderWaitsForExpiryThenGetsTheNextToken) {
  ASSERT_TRUE(store().TryAcquireLease(kLease, "replica-a", seconds(10)).ok());
  auto refused = store().TryAcquireLease(kLease, "replica-b", seconds(10));
  EXPECT_EQ(refused.status().code(), StatusCode::kAborted);
  EXPECT_THAT(refused.status().message(), HasSubstr("replica-a"));

  clock_.Advance(seconds(9));
  EXPECT_EQ(store().TryAcquireLease(kLease, "replica-b", seconds(10)).status().code(), StatusCode::kAborted);
  clock_.Advance(seconds(1));  // exactly at expiry the lease is free
  auto taken = store().TryAcquireLease(kLease, "replica-b", seconds(10));
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(taken->holder, "replica-b");
  EXPECT_EQ(taken->token, 2);
  EXPECT_EQ(UnixMillis(taken->acquired_at), UnixMillis(clock_.Now()));
}

TEST_P(StoreConformanceTest, ReacquireByTheHolderExtendsButANewTermGetsANewToken) {
  auto first = store().TryAcquireLease(kLease, "replica-a", seconds(10));
  ASSERT_TRUE(first.ok());
  clock_.Advance(seconds(5));
  auto again = store().TryAcquireLease(kLease, "replica-a", seconds(10));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->token, first->token) << "still the same term";
  EXPECT_EQ(again->acquired_at, first->acquired_at);
  EXPECT_EQ(UnixMillis(again->expires_at), UnixMillis(clock_.Now()) + 10000);
  clock_.Advance(seconds(11));
  auto next_term = store().TryAcquireLease(kLease, "replica-a", seconds(10));
  ASSERT_TRUE(next_term.ok());
  EXPECT_EQ(next_term->token, first->token + 1) << "after expiry, writes of the old term must not commit";
}

TEST_P(StoreConformanceTest, RenewExtendsOnlyForTheCurrentHolderAndToken) {
  auto lease = store().TryAcquireLease(kLease, "replica-a", seconds(10));
  ASSERT_TRUE(lease.ok());
  clock_.Advance(seconds(4));
  auto renewed = store().RenewLease(kLease, "replica-a", lease->token, seconds(10));
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(renewed->token, lease->token);
  EXPECT_EQ(UnixMillis(renewed->renewed_at), UnixMillis(clock_.Now()));
  EXPECT_EQ(UnixMillis(renewed->expires_at), UnixMillis(clock_.Now()) + 10000);
  EXPECT_EQ(store().RenewLease(kLease, "replica-b", lease->token, seconds(10)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RenewLease(kLease, "replica-a", lease->token + 1, seconds(10)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RenewLease("controller/none", "replica-a", 1, seconds(10)).status().code(), StatusCode::kNotFound);

  // Expired but not taken over: renewing is still safe (the token proves
  // nobody else acted).
  clock_.Advance(seconds(11));
  EXPECT_TRUE(store().RenewLease(kLease, "replica-a", lease->token, seconds(10)).ok());
  clock_.Advance(seconds(11));
  auto taken = store().TryAcquireLease(kLease, "replica-b", seconds(10));
  ASSERT_TRUE(taken.ok());
  auto lost = store().RenewLease(kLease, "replica-a", lease->token, seconds(10));
  EXPECT_EQ(lost.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(lost.status().message(), HasSubstr("replica-b"));
}

TEST_P(StoreConformanceTest, ReleaseFreesTheLeaseAtOnce) {
  auto lease = store().TryAcquireLease(kLease, "replica-a", seconds(60));
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(store().ReleaseLease(kLease, "replica-b", lease->token).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().ReleaseLease("controller/none", "replica-a", 1).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store().ReleaseLease(kLease, "replica-a", lease->token).ok());
  auto listed = store().ListLeases();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].holder, "") << "released leases are listed without a holder";
  EXPECT_EQ(store().RenewLease(kLease, "replica-a", lease->token, seconds(10)).status().code(),
            StatusCode::kFailedPrecondition);
  auto taken = store().TryAcquireLease(kLease, "replica-b", seconds(60));
  ASSERT_TRUE(taken.ok()) << "no need to wait for the expiry";
  EXPECT_EQ(taken->token, lease->token + 1);
}

TEST_P(StoreConformanceTest, HandsChangingAreEventsRenewalsAreNot) {
  auto a = store().TryAcquireLease(kLease, "replica-a", seconds(10));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store().RenewLease(kLease, "replica-a", a->token, seconds(10)).ok());
  ASSERT_TRUE(store().TryAcquireLease(kLease, "replica-a", seconds(10)).ok());
  ASSERT_TRUE(store().ReleaseLease(kLease, "replica-a", a->token).ok());
  auto events = store().ListEvents({.type_prefix = "lease."});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].type, "lease.acquired");
  EXPECT_EQ((*events)[0].subject, std::string("lease/") + kLease);
  EXPECT_EQ((*events)[0].actor, "replica-a");
  auto data = nlohmann::json::parse((*events)[0].data_json);
  EXPECT_EQ(data["holder"], "replica-a");
  EXPECT_EQ(data["token"], 1);
  EXPECT_EQ((*events)[1].type, "lease.released");
  EXPECT_EQ((*events)[1].actor, "replica-a");
}

TEST_P(StoreConformanceTest, FencedWritesCommitOnlyWithTheCurrentToken) {
  auto a = store().TryAcquireLease(kLease, "replica-a", seconds(10));
  ASSERT_TRUE(a.ok());
  auto put = store().PutResource(MakeResource("web-1", R"({"n":1})"), Fenced(a->token));
  ASSERT_TRUE(put.ok()) << put.status().ToString();

  clock_.Advance(seconds(10));
  auto b = store().TryAcquireLease(kLease, "replica-b", seconds(10));
  ASSERT_TRUE(b.ok());
  const int64_t last_event = store().LastEventId();
  auto stale = store().PutResource(MakeResource("web-1", R"({"n":2})"), Fenced(a->token));
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.status().message(), HasSubstr(kLease));
  EXPECT_EQ(store().PutResource(MakeResource("web-2"), Fenced(a->token)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().DeleteResource("Host", "web-1", FencedDelete(a->token)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().LastEventId(), last_event) << "refused writes append nothing";
  EXPECT_EQ(store().GetResource("Host", "web-1")->spec_json, R"({"n":1})");
  EXPECT_EQ(store().GetResource("Host", "web-2").status().code(), StatusCode::kNotFound);

  EXPECT_TRUE(store().PutResource(MakeResource("web-1", R"({"n":3})"), Fenced(b->token)).ok());
  EXPECT_TRUE(store().DeleteResource("Host", "web-1", FencedDelete(b->token)).ok());
  EXPECT_TRUE(store().PutResource(MakeResource("web-3"), {}).ok()) << "unfenced writes are unaffected";

  ASSERT_TRUE(store().ReleaseLease(kLease, "replica-b", b->token).ok());
  EXPECT_EQ(store().PutResource(MakeResource("web-4"), Fenced(b->token)).status().code(),
            StatusCode::kFailedPrecondition)
      << "a released lease fences its last holder out too";
  EXPECT_EQ(store().PutResource(MakeResource("web-4"), Fenced(1, "controller/never")).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_P(StoreConformanceTest, ConcurrentAcquirersGetTheLeaseExactlyOnce) {
  constexpr int kContenders = 6;
  std::atomic<int> winners{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kContenders; ++i) {
    threads.emplace_back([&, i] {
      auto lease = store().TryAcquireLease("controller/race", "replica-" + std::to_string(i), seconds(30));
      if (lease.ok()) {
        ++winners;
      } else if (lease.status().code() == StatusCode::kAborted) {
        ++refused;
      } else {
        ADD_FAILURE() << lease.status().ToString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(refused.load(), kContenders - 1);
  auto listed = store().ListLeases();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].token, 1);
}

TEST_P(StoreConformanceTest, LeasesSurviveReopen) {
  auto lease = store().TryAcquireLease(kLease, "replica-a", seconds(30));
  ASSERT_TRUE(lease.ok());
  Reopen();
  EXPECT_EQ(store().TryAcquireLease(kLease, "replica-b", seconds(30)).status().code(), StatusCode::kAborted);
  auto renewed = store().RenewLease(kLease, "replica-a", lease->token, seconds(30));
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(renewed->acquired_at, lease->acquired_at);
}

TEST_P(StoreConformanceTest, BadLeaseInputIsInvalidArgument) {
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(store().TryAcquireLease("", "a", seconds(1)).status().code(), kInvalid);
  EXPECT_EQ(store().TryAcquireLease("has space", "a", seconds(1)).status().code(), kInvalid);
  EXPECT_EQ(store().TryAcquireLease(kLease, "", seconds(1)).status().code(), kInvalid);
  EXPECT_EQ(store().TryAcquireLease(kLease, "a", seconds(0)).status().code(), kInvalid);
  EXPECT_EQ(store().TryAcquireLease(kLease, "a", seconds(-5)).status().code(), kInvalid);
  EXPECT_EQ(store().RenewLease(kLease, "a", 1, seconds(0)).status().code(), kInvalid);
  EXPECT_EQ(store().PutResource(MakeResource("x"), Fenced(1, "")).status().code(), kInvalid);
  auto listed = store().ListLeases();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  EXPECT_EQ(store().LastEventId(), 0);
}

}  // namespace
}  // namespace kelola
