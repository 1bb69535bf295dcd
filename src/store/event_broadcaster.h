// EventBroadcaster: delivers committed events to in-process subscribers, in
// event id order, for any Store implementation.
//
// A store calls Enqueue() for the events of a transaction right after COMMIT
// while it still holds its write lock (so the queue is in id order), releases
// the lock, then calls Deliver(). One thread at a time delivers; a writer that
// finds another thread delivering leaves its events to it. Callbacks therefore
// run without any store lock held and may call the store, even write to it:
// the nested write's events are queued and delivered after the current one.
//
// Thread-safety: all methods are thread-safe. After a Subscription handle is
// destroyed its callback is never called again; destruction waits for a call
// in progress on another thread, and may be done from inside the callback.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace kelola {

class EventBroadcaster {
 public:
  // Subscribes to events with id > `after_id` (the last committed id when
  // subscribing, so a subscriber sees exactly the events committed later).
  std::unique_ptr<Store::Subscription> Subscribe(int64_t after_id, std::function<void(const Event&)> fn);
  void Enqueue(std::vector<Event> events);
  void Deliver();

 private:
  struct Subscriber;
  class Handle;

  std::mutex mu_;
  std::deque<Event> pending_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  bool delivering_ = false;
};

}  // namespace kelola
