// RecentIdSet: the last `capacity` keys seen, oldest forgotten first.
//
// The `_bulk` ingest endpoint keeps the clients' document ids (`_id`, per
// index) in one, so a shipper that retries a request whose answer it lost
// does not store its lines twice. Bounded: memory is about capacity x
// (key size + 64 bytes). Not thread-safe; the caller holds its own lock.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace kelola {

class RecentIdSet {
 public:
  explicit RecentIdSet(size_t capacity) : capacity_(capacity) {}

  // True when `key` was new (and is now remembered); false for a repeat.
  bool Insert(std::string_view key);
  bool Contains(std::string_view key) const;
  size_t size() const { return order_.size(); }

 private:
  size_t capacity_;
  std::unordered_set<std::string> keys_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace kelola
