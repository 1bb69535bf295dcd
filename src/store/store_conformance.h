// The Store conformance suite: one set of tests every Store implementation
// must pass (test-only header; the tests are in store_conformance_test.cc).
//
// A backend instantiates it with a factory of fresh, empty test databases:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//       ::testing::Values(StoreConformanceParam{"Sqlite", [] { return ...; }}),
//       [](const auto& info) { return info.param.name; });
//
// A test database can be opened several times in a row (the previous Store
// is destroyed first) and must then show the same data: that is how the
// suite checks durability across a restart.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "store/store.h"

namespace kelola {

class StoreTestDatabase {
 public:
  virtual ~StoreTestDatabase() = default;
  virtual Result<std::unique_ptr<Store>> Open(Clock& clock) = 0;
};

struct StoreConformanceParam {
  std::string name;  // the test name suffix: letters and digits only
  // Returns nullptr when the backend's server is not installed here: the
  // test is then skipped (`skip_reason` says why).
  std::function<std::unique_ptr<StoreTestDatabase>()> new_database;
  std::function<std::string()> skip_reason;
};

// Keeps test names readable in ctest ("# GetParam() = Sqlite").
inline void PrintTo(const StoreConformanceParam& param, std::ostream* os) { *os << param.name; }

class StoreConformanceTest : public ::testing::TestWithParam<StoreConformanceParam> {
 protected:
  void SetUp() override {
    database_ = GetParam().new_database();
    if (database_ == nullptr && GetParam().skip_reason) GTEST_SKIP() << GetParam().skip_reason();
    ASSERT_NE(database_, nullptr);
    Reopen();
  }

  // Closes the store and opens the same database again.
  void Reopen() {
    store_.reset();
    auto opened = database_->Open(clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  Store& store() { return *store_; }

  FakeClock clock_;
  std::unique_ptr<StoreTestDatabase> database_;
  std::unique_ptr<Store> store_;
};

}  // namespace kelola
