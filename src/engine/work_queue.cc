#include "engine/work_queue.h"

namespace kelola {

WorkQueue::WorkQueue(Clock& clock, BackoffPolicy backoff) : clock_(clock), backoff_(backoff) {}

WorkQueue::~WorkQueue() { ShutDown(); }

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_) return;
  if (!dirty_.insert(key).second) return;
  // A key being processed goes back in line at Done(), so that two workers
  // never hold it at once.
  if (processing_.count(key)) return;
  ready_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  if (delay <= Duration::zero()) {
    Add(key);
    return;
  }
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  MonoTime deadline = clock_.Monotonic() + std::chrono::duration_cast<MonoTime::duration>(delay);
  auto it = delayed_by_key_.find(key);
  if (it != delayed_by_key_.end()) {
    if (it->second.first <= deadline) return;
    delayed_.erase({it->second.first, it->second.second, key});
    delayed_by_key_.erase(it);
  }
  uint64_t sequence = next_sequence_++;
  delayed_.insert({deadline, sequence, key});
  delayed_by_key_[key] = {deadline, sequence};
  // A sleeping Get() may now have an earlier deadline to wait for.
  cv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  Duration delay;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (shutting_down_) return;
    delay = backoff_.NextDelay(key);
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  backoff_.Forget(key);
}

int64_t WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  return backoff_.Failures(key);
}

void WorkQueue::PromoteDueLocked() {
  if (delayed_.empty()) return;
  MonoTime now = clock_.Monotonic();
  bool promoted = false;
  while (!delayed_.empty()) {
    auto first = delayed_.begin();
    if (std::get<0>(*first) > now) break;
    std::string key = std::get<2>(*first);
    delayed_by_key_.erase(key);
    delayed_.erase(first);
    AddLocked(key);
    promoted = true;
  }
  // Other waiting workers may take the rest of what became ready.
  if (promoted) cv_.notify_all();
}

std::string WorkQueue::PopLocked() {
  std::string key = std::move(ready_.front());
  ready_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    PromoteDueLocked();
    if (!ready_.empty()) return PopLocked();
    if (delayed_.empty()) {
      cv_.wait(l);
    } else {
      clock_.WaitUntil(l, cv_, std::get<0>(*delayed_.begin()));
    }
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return std::nullopt;
  PromoteDueLocked();
  if (ready_.empty()) return std::nullopt;
  return PopLocked();
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  processing_.erase(key);
  if (shutting_down_) return;
  if (dirty_.count(key)) {
    ready_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> l(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> l(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() {
  std::lock_guard<std::mutex> l(mu_);
  PromoteDueLocked();
  return ready_.size();
}

size_t WorkQueue::NumDelayed() const {
  std::lock_guard<std::mutex> l(mu_);
  return delayed_.size();
}

std::optional<MonoTime> WorkQueue::NextDeadline() const {
  std::lock_guard<std::mutex> l(mu_);
  if (delayed_.empty()) return std::nullopt;
  return std::get<0>(*delayed_.begin());
}

}  // namespace kelola
