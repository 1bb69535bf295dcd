#include "api/es_bulk_handlers.h"

#include <map>
#include <mutex>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "logs/bulk_ingest_parser.h"
#include "logs/recent_id_set.h"
#include "net/gzip.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxInflatedBytes = 256 << 20;
// Client `_id`s remembered to drop retried items: ~10 MB of memory.
constexpr size_t kRecentIds = 100'000;
// The record field a client's `_id` is kept in, so the window survives a restart.
constexpr const char* kIdField = "bulk_id";

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// ES's error shape: clients print `error.reason`.
HttpResponse EsError(int status, const std::string& type, const std::string& reason) {
  json cause{{"type", type}, {"reason", reason}};
  HttpResponse r = HttpResponse::Json(
      status, Dump(json{{"error", {{"root_cause", json::array({cause})}, {"type", type}, {"reason", reason}}},
                        {"status", status}}));
  r.headers["X-Elastic-Product"] = "Elasticsearch";
  if (status == 401) r.headers["WWW-Authenticate"] = "Basic realm=\"kelola\", Bearer";
  return r;
}

// Basic auth carries the token as the password; Bearer passes through.
std::string BearerFrom(const std::string& authorization) {
  constexpr std::string_view kBasic = "Basic ";
  if (authorization.size() > kBasic.size() && authorization.compare(0, kBasic.size(), kBasic) == 0) {
    auto decoded = Base64Decode(std::string_view(authorization).substr(kBasic.size()));
    if (!decoded.ok()) return "";
    size_t colon = decoded->find(':');
    return colon == std::string::npos ? "" : "Bearer " + decoded->substr(colon + 1);
  }
  return authorization;
}

struct BulkState {
  explicit BulkState(MetricsRegistry& m)
      : requests(m.AddCounter("kelola_es_bulk_requests_total", "Elasticsearch-compatible _bulk requests, by outcome.",
                              {"outcome"})),
        items(m.AddCounter("kelola_es_bulk_items_total",
                           "_bulk items: stored, rejected with a per-item error, or a duplicate _id.", {"outcome"})) {
    std::random_device random;
    nonce = HexEncode(std::to_string(random()) + std::to_string(random())).substr(0, 8);
  }
  CounterFamily& requests;
  CounterFamily& items;
  // Records of one (agent, index) form a stream whose offsets increase, so
  // the store's per-stream duplicate check never drops one; a fresh stream
  // per process start keeps that true across restarts.
  std::mutex mu;
  std::string nonce;
  std::map<std::pair<std::string, std::string>, uint64_t> next_offset;
  // "<index>/<_id>" of the last kRecentIds stored items; filled from the
  // store on the first request after a start.
  RecentIdSet seen{kRecentIds};
  bool seen_loaded = false;
};

std::string IdKey(const std::string& index, const std::string& id) { return index + "/" + id; }

// Re-reads the ids of the most recent `_bulk` records in the store.
Status LoadRecentIds(LogStore& store, BulkState& state) {
  uint64_t last = store.Stats().next_id - 1;
  LogQuery q;
  q.labels = {{"source", "es-bulk"}};
  q.after_id = last > kRecentIds ? last - kRecentIds : 0;
  q.limit = 10'000;
  for (;;) {
    KELOLA_ASSIGN_OR_RETURN(LogQueryResult page, store.Query(q));
    for (const StoredRecord& r : page.records) {
      auto id = r.record.fields.find(kIdField);
      auto index = r.labels.find("index");
      if (id != r.record.fields.end() && index != r.labels.end()) state.seen.Insert(IdKey(index->second, id->second));
    }
    if (!page.more) break;
    q.after_id = page.last_id;
  }
  state.seen_loaded = true;
  return OkStatus();
}

Status Authorize(ApiContext& ctx, const HttpRequest& req, Role need) {
  KELOLA_ASSIGN_OR_RETURN(Principal p, ctx.tokens->Authenticate(BearerFrom(req.Header("Authorization"))));
  if (p.role < need) {
    return PermissionDeniedError("token \"" + p.name + "\" has role " + std::string(RoleName(p.role)) +
                                 "; this needs " + std::string(RoleName(need)));
  }
  return OkStatus();
}

HttpResponse AuthError(const Status& s) {
  if (s.code() == StatusCode::kPermissionDenied) return EsError(403, "security_exception", s.message());
  return EsError(401, "security_exception", "missing or invalid kelola token (Bearer, or basic auth password)");
}

HttpResponse Banner(ApiContext& ctx, HttpRequest& req) {
  if (Status s = Authorize(ctx, req, Role::kViewer); !s.ok()) return AuthError(s);
  json banner{{"name", "kelola"},
              {"cluster_name", "kelola"},
              {"cluster_uuid", "kelola-log-ingest"},
              {"version",
               {{"number", "8.11.0"},
                {"build_flavor", "default"},
                {"build_type", "kelola"},
                {"build_hash", "kelola-" + ctx.version},
                {"build_date", "2026-01-01T00:00:00.000Z"},
                {"build_snapshot", false},
                {"lucene_version", "9.8.0"},
                {"minimum_wire_compatibility_version", "7.17.0"},
                {"minimum_index_compatibility_version", "7.0.0"}}},
              {"tagline", "You Know, for Search"}};
  HttpResponse r = HttpResponse::Json(200, Dump(banner));
  r.headers["X-Elastic-Product"] = "Elasticsearch";
  return r;
}

HttpResponse Bulk(ApiContext& ctx, LogStore& store, LogBatchPublisher* shared, BulkState& state, HttpRequest& req) {
  auto started = ctx.clock.Monotonic();
  if (Status s = Authorize(ctx, req, Role::kOperator); !s.ok()) {
    state.requests.WithLabels({"unauthorized"}).Inc();
    return AuthError(s);
  }
  std::string inflated;
  std::string_view body = req.body;
  std::string encoding = req.Header("Content-Encoding");
  if (encoding == "gzip") {
    auto plain = GunzipBody(req.body, kMaxInflatedBytes);
    if (!plain.ok()) {
      state.requests.WithLabels({"malformed"}).Inc();
      return EsError(400, "parse_exception", plain.status().message());
    }
    inflated = std::move(*plain);
    body = inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    state.requests.WithLabels({"malformed"}).Inc();
    return EsError(400, "parse_exception", "unsupported Content-Encoding \"" + encoding.substr(0, 40) + "\"");
  }
  std::string default_index;
  if (auto it = req.path_params.find("index"); it != req.path_params.end()) default_index = it->second;
  auto items = ParseBulkIngest(body, default_index, UnixMillis(ctx.clock.Now()));
  if (!items.ok()) {
    state.requests.WithLabels({"malformed"}).Inc();
    return EsError(400, "illegal_argument_exception", items.status().message());
  }
  if (items->empty()) {
    state.requests.WithLabels({"malformed"}).Inc();
    return EsError(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
  }

  // One batch per (agent, index), appended in order under the lock so that
  // the per-stream offsets reach the store in increasing order.
  std::map<std::pair<std::string, std::string>, LogBatch> batches;
  std::vector<std::string> ids(items->size());
  std::vector<bool> repeated(items->size());
  {
    std::lock_guard lock(state.mu);
    if (!state.seen_loaded) {
      if (Status s = LoadRecentIds(store, state); !s.ok()) {
        state.requests.WithLabels({"store_failed"}).Inc();
        return EsError(503, "unavailable_shards_exception", "reading recent ids: " + s.message());
      }
    }
    std::set<std::string> in_request;
    for (size_t i = 0; i < items->size(); ++i) {
      BulkIngestItem& item = (*items)[i];
      if (item.status != 0) continue;
      if (!item.id.empty()) {
        std::string key = IdKey(item.index, item.id);
        if (state.seen.Contains(key) || !in_request.insert(key).second) {
          repeated[i] = true;  // a retry: stored once already
          continue;
        }
        item.record.fields[kIdField] = item.id;
      }
      auto key = std::make_pair(item.agent, item.index);
      LogBatch& b = batches[key];
      if (b.agent.empty()) {
        b.agent = item.agent;
        b.labels = {{"index", item.index}, {"source", "es-bulk"}};
      }
      uint64_t& next = state.next_offset[key];
      item.record.stream_id = Sha256Hex("es-bulk\n" + state.nonce + "\n" + item.index).substr(0, 16);
      item.record.path = "es-bulk/" + item.index;
      item.record.offset = next;
      item.record.end_offset = next + 1;
      ++next;
      ids[i] = item.id.empty() ? item.record.stream_id + "-" + std::to_string(item.record.offset) : item.id;
      b.records.push_back(item.record);
    }
    for (const auto& [key, batch] : batches) {
      // With replicas: shared, then applied here by the feed (log_handlers.cc).
      auto appended = shared != nullptr ? shared->Publish(batch, {}) : store.Append(batch);
      if (!appended.ok()) {
        state.requests.WithLabels({"store_failed"}).Inc();
        return EsError(503, "unavailable_shards_exception", "storing logs: " + appended.status().message());
      }
    }
    // Only once stored: a request that failed must not make its retry a repeat.
    for (const std::string& key : in_request) state.seen.Insert(key);
  }
  json out = json::array();
  bool errors = false;
  uint64_t stored = 0;
  uint64_t rejected = 0;
  uint64_t duplicates = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    const BulkIngestItem& item = (*items)[i];
    if (repeated[i]) {
      // ES's answers for an _id it has: create conflicts, index leaves the document as it is.
      ++duplicates;
      json r{{"_index", item.index}, {"_id", item.id}};
      if (item.action == "create") {
        errors = true;
        r["status"] = 409;
        r["error"] = {{"type", "version_conflict_engine_exception"},
                      {"reason", "[" + item.id + "]: version conflict, document already exists (current version [1])"}};
      } else {
        r["status"] = 200;
        r["result"] = "noop";
        r["_version"] = 1;
      }
      out.push_back(json{{item.action, r}});
      continue;
    }
    if (item.status != 0) {
      errors = true;
      ++rejected;
      json r{{"_index", item.index},
             {"status", item.status},
             {"error", {{"type", item.error_type}, {"reason", item.error_reason}}}};
      if (!item.id.empty()) r["_id"] = item.id;
      out.push_back(json{{item.action, r}});
      continue;
    }
    ++stored;
    out.push_back(json{{item.action,
                        {{"_index", item.index},
                         {"_id", ids[i]},
                         {"_version", 1},
                         {"result", "created"},
                         {"_shards", {{"total", 1}, {"successful", 1}, {"failed", 0}}},
                         {"_seq_no", item.record.offset},
                         {"_primary_term", 1},
                         {"status", 201}}}});
  }
  state.requests.WithLabels({errors ? "partial" : "stored"}).Inc();
  state.items.WithLabels({"stored"}).Inc(static_cast<double>(stored));
  state.items.WithLabels({"rejected"}).Inc(static_cast<double>(rejected));
  state.items.WithLabels({"duplicate"}).Inc(static_cast<double>(duplicates));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.clock.Monotonic() - started).count();
  HttpResponse r = HttpResponse::Json(200, Dump(json{{"took", took}, {"errors", errors}, {"items", out}}));
  r.headers["X-Elastic-Product"] = "Elasticsearch";
  return r;
}

}  // namespace

HttpResponse EsBanner(ApiContext& ctx, HttpRequest& req) { return Banner(ctx, req); }

void RegisterEsBulkRoutes(HttpServer& server, ApiContext& ctx, LogStore& store, MetricsRegistry& metrics,
                          LogBatchPublisher* shared) {
  auto state = std::make_shared<BulkState>(metrics);
  server.Route("GET", "/", [&ctx](HttpRequest& r) { return Banner(ctx, r); });
  // rsyslog's omelasticsearch checks this before sending.
  server.Route("GET", "/_cat/health", [&ctx](HttpRequest& r) {
    if (Status s = Authorize(ctx, r, Role::kViewer); !s.ok()) return AuthError(s);
    int64_t secs = UnixMillis(ctx.clock.Now()) / 1000;
    HttpResponse resp;
    resp.status = 200;
    resp.headers["Content-Type"] = "text/plain; charset=UTF-8";
    resp.headers["X-Elastic-Product"] = "Elasticsearch";
    resp.body = std::to_string(secs) + " kelola green 1 1 0 0 0 0 0 0 - 100.0%\n";
    return resp;
  });
  for (const char* method : {"POST", "PUT"}) {
    server.Route(method, "/_bulk",
                 [&ctx, &store, shared, state](HttpRequest& r) { return Bulk(ctx, store, shared, *state, r); });
    server.Route(method, "/{index}/_bulk",
                 [&ctx, &store, shared, state](HttpRequest& r) { return Bulk(ctx, store, shared, *state, r); });
  }
}

}  // namespace kelola
