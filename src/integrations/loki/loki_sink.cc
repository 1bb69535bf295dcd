#include "integrations/loki/loki_sink.h"

#include <algorithm>
#include <limits>

#include "base/crypto.h"
#include "integrations/loki/loki_compression.h"
#include "net/http_client.h"

namespace kelola {
namespace {

// A record's value for a label or metadata name; "" when it has none.
std::string ValueOf(const StoredRecord& r, const std::string& name) {
  if (name == "agent") return r.agent;
  if (name == "file") return r.record.path;
  if (name == "stream") return r.record.stream_id;
  auto it = r.labels.find(name);
  return it != r.labels.end() ? it->second : std::string();
}

std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 1024;
  std::string out(body.substr(0, kMax));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (body.size() > kMax) out += "...";
  return out;
}

}  // namespace

int64_t LokiTimestampNanos(const LogRecord& record) {
  // Saturate times outside what int64 nanoseconds can hold (years 1678..2262).
  constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000 - 1;
  int64_t ms = std::clamp<int64_t>(record.time_ms, -kMaxMs, kMaxMs);
  return ms * 1'000'000 + static_cast<int64_t>(record.offset % 1'000'000);
}

LokiPushRequest BuildLokiPush(const LokiSinkOptions& options, const std::vector<StoredRecord>& records) {
  std::map<LokiLabels, std::vector<LokiEntry>> streams;
  for (const auto& r : records) {
    LokiLabels labels = options.static_labels;
    for (const auto& name : options.labels) {
      std::string v = ValueOf(r, name);
      if (!v.empty()) labels[SanitizeLokiLabelName(name)] = std::move(v);
    }
    if (labels.empty()) labels["job"] = "kelola";  // Loki refuses a stream without labels
    LokiEntry e;
    e.timestamp_ns = LokiTimestampNanos(r.record);
    e.line = r.record.text;
    for (const auto& name : options.structured_metadata) {
      std::string v = name == "offset" ? std::to_string(r.record.offset) : ValueOf(r, name);
      if (!v.empty()) e.structured_metadata.emplace_back(SanitizeLokiLabelName(name), std::move(v));
    }
    streams[labels].push_back(std::move(e));
  }
  LokiPushRequest req;
  for (auto& [labels, entries] : streams) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const LokiEntry& a, const LokiEntry& b) { return a.timestamp_ns < b.timestamp_ns; });
    req.streams.push_back(LokiStream{labels, std::move(entries)});
  }
  return req;
}

Status ValidateLokiSinkOptions(const LokiSinkOptions& o) {
  if (o.url.rfind("http://", 0) != 0 && o.url.rfind("https://", 0) != 0) {
    return InvalidArgumentError(
        "loki sink: url must be an http:// or https:// push URL, e.g. "
        "http://loki:3100/loki/api/v1/push");
  }
  if (o.encoding != "protobuf" && o.encoding != "json") {
    return InvalidArgumentError("loki sink: encoding must be protobuf or json, got " + QuoteForError(o.encoding));
  }
  if (!o.bearer_token.empty() && (!o.username.empty() || !o.password.empty())) {
    return InvalidArgumentError("loki sink: set either bearer_token or username/password, not both");
  }
  if (o.username.empty() != o.password.empty()) {
    return InvalidArgumentError("loki sink: basic auth needs both username and password");
  }
  for (const auto& [name, value] : o.static_labels) {
    if (!IsValidLokiLabelName(name)) {
      return InvalidArgumentError("loki sink: static label name " + QuoteForError(name) +
                                  " is not a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
    if (value.empty()) return InvalidArgumentError("loki sink: static label " + name + " has an empty value");
  }
  for (const auto& name : o.labels) {
    if (name.empty()) return InvalidArgumentError("loki sink: labels: empty name");
  }
  return OkStatus();
}

LokiSink::LokiSink(LokiSinkOptions options) : options_(std::move(options)) {
  HttpClientOptions http;
  http.timeout = options_.timeout;
  http.max_retries = 0;  // the forwarder retries the whole batch
  http.verify_tls = true;
  http.ca_file = options_.ca_file;
  http.user_agent = "kelola-loki-sink";
  client_ = std::make_unique<HttpClient>(http);
}

LokiSink::~LokiSink() = default;

Result<std::unique_ptr<LokiSink>> LokiSink::Create(LokiSinkOptions options) {
  KELOLA_RETURN_IF_ERROR(ValidateLokiSinkOptions(options));
  return std::unique_ptr<LokiSink>(new LokiSink(std::move(options)));
}

Result<SinkDelivery> LokiSink::Deliver(const std::vector<StoredRecord>& records) {
  SinkDelivery delivery;
  if (records.empty()) return delivery;
  int split_budget = kMaxSplitRequests;
  KELOLA_RETURN_IF_ERROR(Send(records, delivery, split_budget));
  return delivery;
}

Status LokiSink::Send(const std::vector<StoredRecord>& records, SinkDelivery& delivery, int& split_budget) {
  LokiPushRequest push = BuildLokiPush(options_, records);
  ClientRequest req;
  req.method = "POST";
  req.url = options_.url;
  req.retry = false;
  if (options_.encoding == "json") {
    req.headers["Content-Type"] = "application/json";
    req.body = EncodeLokiPushJson(push);
  } else {
    req.headers["Content-Type"] = "application/x-protobuf";
    req.body = SnappyCompress(EncodeLokiPushProto(push));
  }
  if (!options_.tenant.empty()) req.headers["X-Scope-OrgID"] = options_.tenant;
  if (!options_.bearer_token.empty()) {
    req.headers["Authorization"] = "Bearer " + options_.bearer_token;
  } else if (!options_.username.empty()) {
    req.headers["Authorization"] = "Basic " + Base64Encode(options_.username + ":" + options_.password);
  }
  auto resp = client_->Send(req);
  if (!resp.ok()) return resp.status().WithContext("loki push to " + options_.url);
  int code = resp->status;
  if (code >= 200 && code < 300) {
    delivery.sent += records.size();
    return OkStatus();
  }
  std::string what = "loki answered " + std::to_string(code) + ": " + Excerpt(resp->body);
  if (code == 429 || code >= 500) return UnavailableError(what);
  if (code == 400 || code == 413) {
    // Loki validates per entry and stores the valid ones of a refused
    // request; halves find the refused records, and re-sending stored ones
    // is harmless (Loki ignores identical entries). A retry of the whole
    // batch later stays idempotent for the same reason.
    if (records.size() > 1 && split_budget >= 2) {
      split_budget -= 2;
      delivery.retried += records.size();
      auto mid = records.begin() + static_cast<std::ptrdiff_t>(records.size() / 2);
      KELOLA_RETURN_IF_ERROR(Send(std::vector<StoredRecord>(records.begin(), mid), delivery, split_budget));
      return Send(std::vector<StoredRecord>(mid, records.end()), delivery, split_budget);
    }
    for (const auto& r : records) delivery.dead_letters.push_back(SinkDeadLetter{r.id, code, what});
    return OkStatus();
  }
  if (code == 401 || code == 403) return PermissionDeniedError(what);
  return FailedPreconditionError(what);
}

}  // namespace kelola
