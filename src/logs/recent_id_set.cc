#include "logs/recent_id_set.h"

namespace kelola {

bool RecentIdSet::Insert(std::string_view key) {
  if (capacity_ == 0) return true;
  std::string k(key);
  if (!keys_.insert(k).second) return false;
  order_.push_back(std::move(k));
  while (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

bool RecentIdSet::Contains(std::string_view key) const { return keys_.count(std::string(key)) > 0; }

}  // namespace kelola
