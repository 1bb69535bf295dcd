// ResourceReadCache: the rendered JSON of resources recently read, so that a
// GET of an unchanged resource touches neither the database nor the JSON
// encoder (the API's hot path; see bench/README.md).
//
// Entries are dropped when the store announces a change to the resource (its
// "resource.*" event). The cache answers only while it has seen every event
// the store has committed (Store::LastEventId()); while a notification is
// still on its way it reads the store, so a client always reads its own
// writes. A read that raced a write is not cached: every fill checks that no
// invalidation happened since it began. With several replicas the change reaches this cache through the
// store's cross-replica notification, so another replica's write becomes
// visible here as fast as that notification arrives.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/kinds.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

class ResourceReadCache {
 public:
  explicit ResourceReadCache(Store& store, size_t max_entries = 50'000);
  ~ResourceReadCache();

  // The resource in wire shape, from the cache or (on a miss) the store.
  Result<std::shared_ptr<const std::string>> Get(const KindInfo& kind, const std::string& name);
  size_t size() const;

 private:
  Store& store_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> entries_;  // "Kind/name" -> body
  uint64_t invalidations_ = 0;                                                   // guarded by mu_
  int64_t delivered_up_to_ = 0;  // highest event id seen; guarded by mu_
  std::unique_ptr<Store::Subscription> subscription_;
};

}  // namespace kelola
