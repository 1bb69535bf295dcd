// PgEventFeed: brings the PostgreSQL event log to this process's
// subscribers in one id order, whether an event was written here or by
// another replica (internal to PostgresStore).
//
// Ordering argument. Every transaction that appends events takes the
// `event_id` counter row lock and holds it until it commits, so ids are
// assigned in commit order and a reader that sees id N also sees every id
// below N: "id > last" never skips an event that commits later. The feed
// keeps `enqueued_up_to_`, the highest id handed to the EventBroadcaster,
// and only ever appends ids above it, from three paths, all under `mu_`:
// - local commits (CommitAndPublish): the COMMIT itself runs under `mu_`, so
//   the listener cannot read a local event before its writer has queued it;
//   that keeps delivery on the writer's thread before the write returns,
//   which the Store contract promises. When ids are missing in between
//   (another replica's), they are read from the table first;
// - the listener thread: LISTEN kelola_events on a dedicated connection
//   (a trigger notifies every insert with its id); on a notification of an
//   id it has not queued yet, on reconnect (so nothing written during an
//   outage is missed) and every few seconds as a safety net it reads
//   `events WHERE id > enqueued_up_to_`;
// - Subscribe() starts a subscriber at `enqueued_up_to_`.
//
// Thread-safety: all methods are thread-safe. The destructor stops the
// listener thread. Errors: CommitAndPublish returns the COMMIT's status.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/event_broadcaster.h"
#include "store/postgres_connection.h"
#include "store/store.h"

namespace kelola {

// The columns ListEvents and the feed select, in PgEventFromRow's order.
inline constexpr const char* kPgEventColumns = "id, time, type, subject, actor, data";
Event PgEventFromRow(const PgResult& rows, int row);

class PgEventFeed {
 public:
  PgEventFeed(std::string url, int64_t last_event_id);
  PgEventFeed(const PgEventFeed&) = delete;
  PgEventFeed& operator=(const PgEventFeed&) = delete;
  ~PgEventFeed();

  void StartListening();

  // Commits the open transaction on `conn`, which appended `events` (in id
  // order; may be empty), and queues them for delivery. Call Deliver() once
  // the connection is released.
  Status CommitAndPublish(PgConnection& conn, const std::vector<Event>& events);
  void Deliver() { broadcaster_.Deliver(); }

  std::unique_ptr<Store::Subscription> Subscribe(std::function<void(const Event&)> fn);
  int64_t last_event_id() const { return last_known_.load(); }

 private:
  // Queues the next page of committed events above enqueued_up_to_; true
  // when the page was full (more may follow). Caller holds mu_.
  Result<bool> CatchUpPageLocked(PgConnection& conn);
  void ListenLoop();
  // False when every notified id is queued already (this process's writes).
  bool HasUnseenEvent(const std::vector<std::string>& payloads);
  // Sleeps up to `ms` unless woken for shutdown; false when stopping.
  bool Pause(int ms);

  const std::string url_;
  EventBroadcaster broadcaster_;
  std::mutex mu_;
  int64_t enqueued_up_to_;  // guarded by mu_
  std::atomic<int64_t> last_known_;
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;
  std::thread listener_;
};

}  // namespace kelola
