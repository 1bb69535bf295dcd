#include "store/event_broadcaster.h"

#include <algorithm>

namespace kelola {

struct EventBroadcaster::Subscriber {
  // Recursive: the callback may destroy its own handle while being called.
  std::recursive_mutex mu;
  bool active = true;
  int calls_in_progress = 0;  // > 0 only on the delivering thread
  int64_t after_id = 0;
  std::function<void(const Event&)> fn;

  void Call(const Event& event) {
    std::lock_guard<std::recursive_mutex> lock(mu);
    if (!active || event.id <= after_id) return;
    ++calls_in_progress;
    try {
      fn(event);
    } catch (...) {
      // A throwing subscriber must not stop delivery to the others, nor leave
      // the broadcaster stuck in the delivering state.
    }
    --calls_in_progress;
    if (!active) fn = nullptr;  // unsubscribed from inside: release it now
  }
};

class EventBroadcaster::Handle final : public Store::Subscription {
 public:
  explicit Handle(std::shared_ptr<Subscriber> subscriber) : subscriber_(std::move(subscriber)) {}
  ~Handle() override {
    std::lock_guard<std::recursive_mutex> lock(subscriber_->mu);
    subscriber_->active = false;
    // Release what the callback captured now, unless we are inside it (a
    // callback destroying its own handle): then Call() releases it on return.
    if (subscriber_->calls_in_progress == 0) subscriber_->fn = nullptr;
  }

 private:
  // Shared with the broadcaster's list, which drops inactive entries lazily:
  // the handle never touches the broadcaster, so it may outlive the store.
  std::shared_ptr<Subscriber> subscriber_;
};

std::unique_ptr<Store::Subscription> EventBroadcaster::Subscribe(int64_t after_id,
                                                                 std::function<void(const Event&)> fn) {
  auto subscriber = std::make_shared<Subscriber>();
  subscriber->after_id = after_id;
  subscriber->fn = std::move(fn);
  {
    std::lock_guard<std::mutex> lock(mu_);
    subscribers_.push_back(subscriber);
  }
  return std::make_unique<Handle>(std::move(subscriber));
}

void EventBroadcaster::Enqueue(std::vector<Event> events) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Event& event : events) pending_.push_back(std::move(event));
}

void EventBroadcaster::Deliver() {
  std::unique_lock<std::mutex> lock(mu_);
  if (delivering_) return;  // the thread delivering now will take ours too
  delivering_ = true;
  while (!pending_.empty()) {
    std::deque<Event> batch;
    batch.swap(pending_);
    std::erase_if(subscribers_, [](const std::shared_ptr<Subscriber>& s) {
      std::lock_guard<std::recursive_mutex> l(s->mu);
      return !s->active;
    });
    std::vector<std::shared_ptr<Subscriber>> subscribers = subscribers_;
    lock.unlock();
    for (const Event& event : batch) {
      for (const auto& subscriber : subscribers) subscriber->Call(event);
    }
    lock.lock();
  }
  delivering_ = false;
}

}  // namespace kelola
