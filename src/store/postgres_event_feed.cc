#include "store/postgres_event_feed.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "base/logging.h"

namespace kelola {
namespace {

constexpr int kCatchUpPage = 1000;
// Without a notification the feed still looks every so often: cheap (one
// indexed query), and it bounds the delay if a notification were ever lost.
constexpr int kSafetyNetMs = 5000;
constexpr int kFirstRetryMs = 100;
constexpr int kMaxRetryMs = 5000;

}  // namespace

Event PgEventFromRow(const PgResult& rows, int row) {
  Event e;
  e.id = rows.Int(row, 0);
  e.time = WallTime(std::chrono::milliseconds(rows.Int(row, 1)));
  e.type = rows.Text(row, 2);
  e.subject = rows.Text(row, 3);
  e.actor = rows.Text(row, 4);
  e.data_json = rows.Text(row, 5);
  return e;
}

PgEventFeed::PgEventFeed(std::string url, int64_t last_event_id)
    : url_(std::move(url)), enqueued_up_to_(last_event_id), last_known_(last_event_id) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

PgEventFeed::~PgEventFeed() {
  stopping_.store(true);
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
  if (listener_.joinable()) listener_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void PgEventFeed::StartListening() {
  listener_ = std::thread([this] { ListenLoop(); });
}

std::unique_ptr<Store::Subscription> PgEventFeed::Subscribe(std::function<void(const Event&)> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  return broadcaster_.Subscribe(enqueued_up_to_, std::move(fn));
}

Status PgEventFeed::CommitAndPublish(PgConnection& conn, const std::vector<Event>& events) {
  if (events.empty()) return conn.Exec("COMMIT").status();
  std::lock_guard<std::mutex> lock(mu_);
  KELOLA_RETURN_IF_ERROR(conn.Exec("COMMIT").status());
  const int64_t last = events.back().id;
  int64_t known = last_known_.load();
  while (known < last && !last_known_.compare_exchange_weak(known, last)) {
  }
  if (last <= enqueued_up_to_) return OkStatus();  // the listener already has them
  if (events.front().id == enqueued_up_to_ + 1) {
    broadcaster_.Enqueue(events);
    enqueued_up_to_ = last;
    return OkStatus();
  }
  // Other replicas' events come first. If they cannot be read now, ours
  // wait with them for the listener: order matters more than promptness.
  Result<bool> more = true;
  while (more.ok() && *more) more = CatchUpPageLocked(conn);
  if (!more.ok()) {
    LogWarn("event feed: reading events after commit failed; the listener will deliver them",
            {{"error", more.status().ToString()}});
  }
  return OkStatus();
}

Result<bool> PgEventFeed::CatchUpPageLocked(PgConnection& conn) {
  static const std::string sql = std::string("SELECT ") + kPgEventColumns +
                                 " FROM events WHERE id > $1 ORDER BY id LIMIT " + std::to_string(kCatchUpPage);
  KELOLA_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(sql, {std::to_string(enqueued_up_to_)}));
  if (rows.rows() == 0) return false;
  std::vector<Event> events;
  events.reserve(static_cast<size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) events.push_back(PgEventFromRow(rows, i));
  enqueued_up_to_ = events.back().id;
  int64_t known = last_known_.load();
  while (known < enqueued_up_to_ && !last_known_.compare_exchange_weak(known, enqueued_up_to_)) {
  }
  broadcaster_.Enqueue(std::move(events));
  return rows.rows() == kCatchUpPage;
}

bool PgEventFeed::HasUnseenEvent(const std::vector<std::string>& payloads) {
  if (payloads.empty()) return false;
  int64_t newest = 0;
  for (const std::string& payload : payloads) {
    int64_t id = 0;
    auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), id);
    // A payload that is not an id (a future trigger, a manual NOTIFY) is a
    // reason to look, not to ignore.
    if (ec != std::errc() || end != payload.data() + payload.size()) return true;
    newest = std::max(newest, id);
  }
  std::lock_guard<std::mutex> lock(mu_);
  return newest > enqueued_up_to_;
}

bool PgEventFeed::Pause(int ms) {
  pollfd fd{wake_fd_, POLLIN, 0};
  ::poll(&fd, 1, ms);
  return !stopping_.load();
}

void PgEventFeed::ListenLoop() {
  std::unique_ptr<PgConnection> conn;
  int retry_ms = kFirstRetryMs;
  bool reported_outage = false;
  while (!stopping_.load()) {
    bool check = false;
    if (conn == nullptr) {
      auto opened = PgConnection::Open(url_);
      Status listening = opened.ok() ? (*opened)->Exec("LISTEN kelola_events").status() : opened.status();
      if (!listening.ok()) {
        if (!reported_outage) {
          LogWarn("event feed: cannot listen for other replicas' events; retrying", {{"error", listening.ToString()}});
          reported_outage = true;
        }
        if (!Pause(retry_ms)) break;
        retry_ms = std::min(retry_ms * 2, kMaxRetryMs);
        continue;
      }
      if (reported_outage) LogInfo("event feed: listening again");
      reported_outage = false;
      retry_ms = kFirstRetryMs;
      conn = std::move(opened).value();
      check = true;  // whatever was written while we were away
    } else {
      pollfd fds[2] = {{conn->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int ready = ::poll(fds, 2, kSafetyNetMs);
      if (stopping_.load()) break;
      if (ready < 0 && errno != EINTR) {
        conn.reset();
        continue;
      }
      check = ready == 0;
      if (fds[0].revents != 0) {
        if (!conn->ConsumeInput().ok()) {
          conn.reset();
          continue;
        }
        if (HasUnseenEvent(conn->TakeNotifications())) check = true;
      }
    }
    if (!check) continue;
    // A page at a time, delivered before the next is read: catching up
    // after a long outage must not queue the whole backlog in memory.
    Result<bool> more = true;
    while (more.ok() && *more && !stopping_.load()) {
      int64_t before;
      int64_t after;
      {
        std::lock_guard<std::mutex> lock(mu_);
        before = enqueued_up_to_;
        more = CatchUpPageLocked(*conn);
        after = enqueued_up_to_;
      }
      // Deliver only what this thread queued: events queued by a local
      // writer are delivered on the writer's own thread.
      if (after > before) broadcaster_.Deliver();
    }
    if (!more.ok() && conn->broken()) conn.reset();
  }
}

}  // namespace kelola
