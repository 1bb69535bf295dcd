// FakeGitHubHooks: an in-process stand-in for the part of GitHub's REST API
// that kelola's delivery reconciler calls: a repository webhook's delivery
// log and its redelivery endpoint.
//
// Why a fake: GitHub.com (or GitHub Enterprise Server) cannot be run here
// and tests talk only to loopback. It follows the published API
// (https://docs.github.com/en/rest/repos/webhooks, "List deliveries for a
// repository webhook" and "Redeliver a delivery for a repository webhook"),
// failure modes included:
//
//   - GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries?per_page=&cursor=
//     answers the hook's deliveries newest first, `per_page` at a time (at
//     most 100), with a `Link: <...>; rel="next"` header carrying the cursor
//     of the next page; each item has id, guid, delivered_at, redelivery,
//     duration, status, status_code, event, action.
//   - POST .../deliveries/{delivery_id}/attempts answers 202 and, as GitHub
//     does, makes a new delivery with the same guid and redelivery=true; its
//     outcome (status_code) is `redelivery_status` (200 unless told).
//   - A wrong repository or hook id, or an unknown delivery id: 404
//     {"message":"Not Found"}; a missing or wrong bearer token: 401
//     {"message":"Bad credentials"}.
//
// For failover tests it counts every redelivery request per delivery id,
// and can hold the next list request: its answer (computed when it arrived)
// is sent only once ReleaseHeld() is called, so a test can pause the caller
// while the answer is in flight.
//
// Thread-safe; the accessors copy under the lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/http_server.h"

namespace kelola::fakes {

struct FakeDelivery {
  int64_t id = 0;
  std::string guid;
  int status_code = 200;  // 0: no answer at all (timeout)
  bool redelivery = false;
  std::string event = "push";
};

class FakeGitHubHooks {
 public:
  // `repository` "owner/name"; `token` the bearer token to require.
  FakeGitHubHooks(std::string repository, int64_t hook_id, std::string token);
  ~FakeGitHubHooks();

  Status Start();
  std::string url() const;  // the API base URL (apiUrl of a Pipeline)

  // Records a delivery attempt (the newest so far) with a fresh id.
  int64_t AddDelivery(const std::string& guid, int status_code);
  void set_redelivery_status(int status_code);

  // Holds the next list request until ReleaseHeld(); WaitUntilHeld says
  // whether one arrived within `timeout`.
  void HoldNextList();
  bool WaitUntilHeld(std::chrono::milliseconds timeout);
  void ReleaseHeld();

  int list_calls() const;
  // Redelivery requests by delivery id, in arrival order.
  std::vector<int64_t> redelivery_requests() const;
  std::vector<FakeDelivery> deliveries() const;

 private:
  HttpResponse List(HttpRequest& request);
  HttpResponse Redeliver(HttpRequest& request);
  bool Authorized(HttpRequest& request) const;
  bool SameHook(HttpRequest& request) const;

  const std::string owner_;
  const std::string repo_;
  const int64_t hook_id_;
  const std::string token_;
  std::unique_ptr<HttpServer> server_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FakeDelivery> deliveries_;  // oldest first
  int64_t next_id_ = 1000;
  int redelivery_status_ = 200;
  int list_calls_ = 0;
  std::vector<int64_t> redelivery_requests_;
  bool hold_next_ = false;
  bool holding_ = false;
  bool released_ = false;
};

}  // namespace kelola::fakes
