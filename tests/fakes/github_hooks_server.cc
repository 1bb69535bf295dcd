#include "tests/fakes/github_hooks_server.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace kelola::fakes {
namespace {

using json = nlohmann::json;

HttpResponse NotFound() { return HttpResponse::Json(404, R"({"message":"Not Found"})"); }

}  // namespace

FakeGitHubHooks::FakeGitHubHooks(std::string repository, int64_t hook_id, std::string token)
    : owner_(repository.substr(0, repository.find('/'))),
      repo_(repository.substr(repository.find('/') + 1)),
      hook_id_(hook_id),
      token_(std::move(token)) {
  HttpServerOptions options;
  options.io_threads = 4;  // one may be holding a list answer
  server_ = std::make_unique<HttpServer>(options);
  server_->Route("GET", "/repos/{owner}/{repo}/hooks/{hook}/deliveries", [this](HttpRequest& r) { return List(r); });
  server_->Route("POST", "/repos/{owner}/{repo}/hooks/{hook}/deliveries/{id}/attempts",
                 [this](HttpRequest& r) { return Redeliver(r); });
}

FakeGitHubHooks::~FakeGitHubHooks() {
  ReleaseHeld();
  server_->Stop();
}

Status FakeGitHubHooks::Start() { return server_->Start(); }

std::string FakeGitHubHooks::url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

int64_t FakeGitHubHooks::AddDelivery(const std::string& guid, int status_code) {
  std::lock_guard<std::mutex> l(mu_);
  deliveries_.push_back(FakeDelivery{.id = ++next_id_, .guid = guid, .status_code = status_code});
  return next_id_;
}

void FakeGitHubHooks::set_redelivery_status(int status_code) {
  std::lock_guard<std::mutex> l(mu_);
  redelivery_status_ = status_code;
}

void FakeGitHubHooks::HoldNextList() {
  std::lock_guard<std::mutex> l(mu_);
  hold_next_ = true;
  released_ = false;
}

bool FakeGitHubHooks::WaitUntilHeld(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] { return holding_; });
}

void FakeGitHubHooks::ReleaseHeld() {
  std::lock_guard<std::mutex> l(mu_);
  released_ = true;
  cv_.notify_all();
}

int FakeGitHubHooks::list_calls() const {
  std::lock_guard<std::mutex> l(mu_);
  return list_calls_;
}

std::vector<int64_t> FakeGitHubHooks::redelivery_requests() const {
  std::lock_guard<std::mutex> l(mu_);
  return redelivery_requests_;
}

std::vector<FakeDelivery> FakeGitHubHooks::deliveries() const {
  std::lock_guard<std::mutex> l(mu_);
  return deliveries_;
}

bool FakeGitHubHooks::Authorized(HttpRequest& request) const {
  return request.Header("Authorization") == "Bearer " + token_ || request.Header("Authorization") == "token " + token_;
}

bool FakeGitHubHooks::SameHook(HttpRequest& request) const {
  return request.path_params["owner"] == owner_ && request.path_params["repo"] == repo_ &&
         request.path_params["hook"] == std::to_string(hook_id_);
}

HttpResponse FakeGitHubHooks::List(HttpRequest& request) {
  if (!Authorized(request)) return HttpResponse::Json(401, R"({"message":"Bad credentials"})");
  if (!SameHook(request)) return NotFound();
  int per_page = 30;
  if (std::string p = request.Query("per_page"); !p.empty()) per_page = std::clamp(std::atoi(p.c_str()), 1, 100);
  const std::string cursor = request.Query("cursor");
  std::unique_lock<std::mutex> l(mu_);
  ++list_calls_;
  // Newest first; the cursor is the id below which the next page starts.
  json items = json::array();
  std::string next;
  const std::string now = FormatRfc3339(SystemClock().Now());
  for (auto it = deliveries_.rbegin(); it != deliveries_.rend(); ++it) {
    if (!cursor.empty() && it->id >= std::atoll(cursor.c_str())) continue;
    if (static_cast<int>(items.size()) == per_page) {
      next = std::to_string(items.back()["id"].get<int64_t>());
      break;
    }
    items.push_back(json{{"id", it->id},
                         {"guid", it->guid},
                         {"delivered_at", now},
                         {"redelivery", it->redelivery},
                         {"duration", 0.25},
                         {"status", it->status_code == 0 ? "timed out"
                                    : it->status_code >= 200 && it->status_code < 300
                                        ? "OK"
                                        : "Invalid HTTP Response: " + std::to_string(it->status_code)},
                         {"status_code", it->status_code},
                         {"event", it->event},
                         {"action", nullptr}});
  }
  HttpResponse response = HttpResponse::Json(200, items.dump());
  if (!next.empty()) {
    response.headers["Link"] = "<" + url() + "/repos/" + owner_ + "/" + repo_ + "/hooks/" + std::to_string(hook_id_) +
                               "/deliveries?per_page=" + std::to_string(per_page) + "&cursor=" + next +
                               ">; rel=\"next\"";
  }
  if (hold_next_) {
    // The answer is ready; it leaves only when the test says so.
    hold_next_ = false;
    holding_ = true;
    cv_.notify_all();
    cv_.wait(l, [this] { return released_; });
    holding_ = false;
  }
  return response;
}

HttpResponse FakeGitHubHooks::Redeliver(HttpRequest& request) {
  if (!Authorized(request)) return HttpResponse::Json(401, R"({"message":"Bad credentials"})");
  if (!SameHook(request)) return NotFound();
  const int64_t id = std::atoll(request.path_params["id"].c_str());
  std::lock_guard<std::mutex> l(mu_);
  auto it = std::find_if(deliveries_.begin(), deliveries_.end(), [id](const FakeDelivery& d) { return d.id == id; });
  if (it == deliveries_.end()) return NotFound();
  redelivery_requests_.push_back(id);
  FakeDelivery again{.id = ++next_id_, .guid = it->guid, .status_code = redelivery_status_, .redelivery = true};
  again.event = it->event;
  deliveries_.push_back(again);
  return HttpResponse::Json(202, "{}");
}

}  // namespace kelola::fakes
