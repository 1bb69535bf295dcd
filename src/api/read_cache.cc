#include "api/read_cache.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/api_object.h"

namespace kelola {

ResourceReadCache::ResourceReadCache(Store& store, size_t max_entries) : store_(store), max_entries_(max_entries) {
  {
    std::lock_guard<std::mutex> l(mu_);
    delivered_up_to_ = store_.LastEventId();
  }
  subscription_ = store_.Subscribe([this](const Event& e) {
    std::lock_guard<std::mutex> l(mu_);
    if (e.type.rfind("resource.", 0) == 0) {
      ++invalidations_;
      entries_.erase(e.subject);
    }
    delivered_up_to_ = std::max(delivered_up_to_, e.id);
  });
}

ResourceReadCache::~ResourceReadCache() { subscription_.reset(); }

size_t ResourceReadCache::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return entries_.size();
}

Result<std::shared_ptr<const std::string>> ResourceReadCache::Get(const KindInfo& kind, const std::string& name) {
  const std::string key = kind.kind + "/" + name;
  const int64_t committed = store_.LastEventId();
  uint64_t seen;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (delivered_up_to_ >= committed) {
      if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    }
    seen = invalidations_;
  }
  KELOLA_ASSIGN_OR_RETURN(Resource r, store_.GetResource(kind.kind, name));
  auto body = std::make_shared<const std::string>(EncodeResource(r, kind).dump());
  std::lock_guard<std::mutex> l(mu_);
  if (invalidations_ == seen) {
    if (entries_.size() >= max_entries_) entries_.clear();  // crude bound; a full cache is rare and refills itself
    entries_.emplace(key, body);
  }
  return body;
}

}  // namespace kelola
