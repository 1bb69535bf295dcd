// AimdLimit: adaptive concurrency for the `_bulk` sink, the way TCP adapts
// its window: additive increase (+1 after a round the node took without
// pushing back), multiplicative decrease (halve after a 429, a 5xx or a
// failed request). Bounded to [1, max]. Pure; not thread-safe (one delivery
// at a time uses it).
#pragma once

#include <algorithm>

namespace kelola {

class AimdLimit {
 public:
  explicit AimdLimit(int max, int initial = 1) : max_(std::max(1, max)), limit_(std::clamp(initial, 1, max_)) {}
  int limit() const { return limit_; }
  void OnClean() { limit_ = std::min(max_, limit_ + 1); }
  void OnOverload() { limit_ = std::max(1, limit_ / 2); }

 private:
  int max_;
  int limit_;
};

}  // namespace kelola
