#include "tests/fakes/bulk_rejecting_proxy.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "net/gzip.h"

namespace kelola::fakes {
namespace {
using json = nlohmann::json;
}  // namespace

Result<std::unique_ptr<BulkRejectingProxy>> BulkRejectingProxy::Start(std::string upstream_url, RejectFn reject) {
  std::unique_ptr<BulkRejectingProxy> p(new BulkRejectingProxy(std::move(upstream_url), std::move(reject)));
  HttpServerOptions o;
  o.io_threads = 2;
  o.max_body_bytes = 64 << 20;
  p->server_ = std::make_unique<HttpServer>(o);
  auto* self = p.get();
  p->server_->Route("POST", "/_bulk", [self](HttpRequest& r) { return self->HandleBulk(r); });
  KELOLA_RETURN_IF_ERROR(p->server_->Start());
  return p;
}

BulkRejectingProxy::BulkRejectingProxy(std::string upstream, RejectFn reject)
    : upstream_(std::move(upstream)), reject_(std::move(reject)), client_([] {
        HttpClientOptions o;
        o.max_retries = 0;
        return o;
      }()) {}

BulkRejectingProxy::~BulkRejectingProxy() {
  if (server_) server_->Stop();
}

std::string BulkRejectingProxy::Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

int BulkRejectingProxy::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

int BulkRejectingProxy::bulk_requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

HttpResponse BulkRejectingProxy::HandleBulk(HttpRequest& req) {
  std::string body = req.body;
  if (req.Header("Content-Encoding") == "gzip") {
    auto plain = GunzipBody(body, 256 << 20);
    if (!plain.ok()) return HttpResponse::Json(400, R"({"error":"bad gzip"})");
    body = std::move(*plain);
  }
  struct Item {
    std::string action_line, source_line, action, index, id;
    bool rejected = false;
  };
  std::vector<Item> items;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) nl = body.size();
    std::string action_line = body.substr(pos, nl - pos);
    pos = nl + 1;
    if (action_line.empty()) continue;
    size_t nl2 = body.find('\n', pos);
    if (nl2 == std::string::npos) nl2 = body.size();
    Item it;
    it.action_line = action_line;
    it.source_line = body.substr(pos, nl2 - pos);
    pos = nl2 + 1;
    json a = json::parse(action_line, nullptr, false);
    if (a.is_discarded() || !a.is_object() || a.size() != 1) {
      return HttpResponse::Json(400, R"({"error":"malformed action line"})");
    }
    it.action = a.begin().key();
    it.index = a.begin()->value("_index", "");
    it.id = a.begin()->value("_id", "");
    items.push_back(std::move(it));
  }
  std::string forward;
  {
    std::lock_guard lock(mu_);
    ++requests_;
    for (auto& it : items) {
      int& seen = seen_[it.id];
      it.rejected = reject_(it.source_line, seen);
      ++seen;
      if (it.rejected) {
        ++injected_;
      } else {
        forward += it.action_line + "\n" + it.source_line + "\n";
      }
    }
  }
  json upstream_items = json::array();
  bool errors = false;
  if (!forward.empty()) {
    ClientRequest up;
    up.method = "POST";
    up.url = upstream_ + "/_bulk";
    if (auto q = req.target.find('?'); q != std::string::npos) up.url += req.target.substr(q);
    up.headers["Content-Type"] = "application/x-ndjson";
    up.body = forward;
    up.retry = false;
    auto resp = client_.Send(up);
    if (!resp.ok()) return HttpResponse::Json(502, R"({"error":"upstream unreachable"})");
    if (resp->status != 200) {
      HttpResponse r;
      r.status = resp->status;
      r.body = resp->body;
      r.headers["Content-Type"] = "application/json";
      return r;
    }
    json j = json::parse(resp->body, nullptr, false);
    if (j.is_discarded() || !j.contains("items")) return HttpResponse::Json(502, R"({"error":"bad upstream answer"})");
    upstream_items = j["items"];
    errors = j.value("errors", false);
  }
  json out_items = json::array();
  size_t next = 0;
  for (const auto& it : items) {
    if (it.rejected) {
      errors = true;
      out_items.push_back({{it.action,
                            {{"_index", it.index},
                             {"_id", it.id},
                             {"status", 429},
                             {"error",
                              {{"type", "es_rejected_execution_exception"},
                               {"reason", "rejected execution of primary operation [shard_detail=[" + it.index +
                                              "][0]] (injected by the test proxy)"}}}}}});
    } else if (next < upstream_items.size()) {
      out_items.push_back(upstream_items[next++]);
    }
  }
  return HttpResponse::Json(200, json{{"took", 1}, {"errors", errors}, {"items", out_items}}.dump());
}

}  // namespace kelola::fakes
