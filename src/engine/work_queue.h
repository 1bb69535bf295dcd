// WorkQueue: the queue of keys a controller's workers take work from, with
// client-go's guarantees.
//
// - Dedup: a key added several times before a worker takes it is handed out
//   once.
// - No concurrent processing of a key: a key added while a worker holds it
//   (between Get() and Done()) is handed out again only after Done().
// - Delays: AddAfter() makes a key ready once the Clock reaches the deadline;
//   AddRateLimited() delays by the key's exponential backoff (see backoff.h),
//   which Forget() resets.
// - ShutDown(): Get() and TryGet() return nullopt from then on, and adds are
//   ignored. Keys being processed may still be Done().
//
// Thread-safety: every method may be called from any thread. Get() blocks
// through Clock::WaitUntil, so a FakeClock's Advance() wakes it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>

#include "base/clock.h"
#include "engine/backoff.h"

namespace kelola {

class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock, BackoffPolicy backoff = {});
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  ~WorkQueue();

  // Makes `key` ready now (deduplicated; see above).
  void Add(const std::string& key);
  // Makes `key` ready once `delay` has passed on the Clock. A key already
  // waiting keeps the earlier of its two deadlines. delay <= 0 is Add().
  void AddAfter(const std::string& key, Duration delay);
  // AddAfter() with the key's next backoff delay, counting one more failure.
  void AddRateLimited(const std::string& key);
  // Resets the key's backoff (call after a success). Does not dequeue it.
  void Forget(const std::string& key);
  // Failures counted by AddRateLimited() since the last Forget().
  int64_t NumRequeues(const std::string& key) const;

  // Blocks until a key is ready and returns it, marking it as processing;
  // the caller must call Done(key) afterwards. nullopt after ShutDown().
  std::optional<std::string> Get();
  // Like Get() but returns nullopt at once when no key is ready.
  std::optional<std::string> TryGet();
  // Ends processing of a key returned by Get()/TryGet(); re-queues it if it
  // was added meanwhile.
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;

  // Keys ready now (delayed keys whose deadline has passed included).
  size_t Len();
  // Keys waiting for a deadline.
  size_t NumDelayed() const;
  // The earliest deadline of a waiting key, if any.
  std::optional<MonoTime> NextDeadline() const;

 private:
  void AddLocked(const std::string& key);
  void PromoteDueLocked();
  std::string PopLocked();

  Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> ready_;
  std::unordered_set<std::string> dirty_;       // queued in ready_, or re-added while processing
  std::unordered_set<std::string> processing_;  // handed out, not Done() yet
  // Waiting keys, ordered by (deadline, insertion sequence) for FIFO ties.
  std::set<std::tuple<MonoTime, uint64_t, std::string>> delayed_;
  std::map<std::string, std::pair<MonoTime, uint64_t>> delayed_by_key_;
  uint64_t next_sequence_ = 0;
  ExponentialBackoff backoff_;
  bool shutting_down_ = false;
};

}  // namespace kelola
