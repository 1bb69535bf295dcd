#include "integrations/elasticsearch/elasticsearch_sink.h"

#include <future>
#include <random>
#include <thread>

#include "base/crypto.h"
#include "integrations/elasticsearch/aimd_limit.h"
#include "integrations/elasticsearch/bulk_codec.h"
#include "net/gzip.h"

namespace kelola {
namespace {

bool RetryableItem(int status) { return status == 429 || status >= 500; }

// Slices smaller than this are not worth a request of their own.
constexpr size_t kMinRecordsPerRequest = 100;

class ElasticsearchSink final : public LogSink {
 public:
  ElasticsearchSink(ElasticsearchSinkOptions options, ElasticsearchSinkHooks hooks, HttpClientOptions http)
      : options_(std::move(options)),
        hooks_(std::move(hooks)),
        client_(http),
        concurrency_(options_.max_concurrency, 1) {
    if (!options_.username.empty()) {
      authorization_ = "Basic " + Base64Encode(options_.username + ":" + options_.password);
    } else if (!options_.api_key.empty()) {
      authorization_ = "ApiKey " + options_.api_key;
    }
  }

  std::string_view Kind() const override { return "elasticsearch"; }

  Result<SinkDelivery> Deliver(const std::vector<StoredRecord>& records) override {
    SinkDelivery d;
    std::vector<const StoredRecord*> pending;
    pending.reserve(records.size());
    for (const auto& r : records) pending.push_back(&r);
    for (int attempt = 0; !pending.empty(); ++attempt) {
      if (attempt > 0) {
        if (attempt >= options_.max_item_attempts) {
          return UnavailableError("elasticsearch: " + std::to_string(pending.size()) +
                                  " items still refused with 429/5xx after " + std::to_string(attempt) + " attempts");
        }
        d.retried += pending.size();
        hooks_.sleep(Backoff(attempt - 1));
      }
      // Up to `limit` requests in flight, each a slice of the pending items.
      size_t parts = std::min<size_t>(static_cast<size_t>(concurrency_.limit()),
                                      (pending.size() + kMinRecordsPerRequest - 1) / kMinRecordsPerRequest);
      parts = std::max<size_t>(parts, 1);
      size_t per = (pending.size() + parts - 1) / parts;
      std::vector<std::vector<const StoredRecord*>> slices;
      for (size_t i = 0; i < pending.size(); i += per) {
        slices.emplace_back(pending.begin() + i, pending.begin() + std::min(pending.size(), i + per));
      }
      std::vector<std::future<Result<std::vector<BulkItemResult>>>> inflight;
      for (size_t i = 1; i < slices.size(); ++i) {
        inflight.push_back(std::async(std::launch::async, [this, &slices, i] { return Send(slices[i]); }));
      }
      std::vector<Result<std::vector<BulkItemResult>>> answers;
      answers.push_back(Send(slices[0]));
      for (auto& f : inflight) answers.push_back(f.get());
      std::vector<const StoredRecord*> again;
      bool overloaded = false;
      for (size_t s = 0; s < slices.size(); ++s) {
        if (!answers[s].ok()) {
          concurrency_.OnOverload();
          return answers[s].status();  // the whole batch is offered again later
        }
        const auto& items = *answers[s];
        for (size_t i = 0; i < items.size(); ++i) {
          const BulkItemResult& item = items[i];
          if ((item.status >= 200 && item.status < 300) || (item.status == 409 && options_.action == "create")) {
            ++d.sent;
          } else if (RetryableItem(item.status)) {
            overloaded = true;
            again.push_back(slices[s][i]);
          } else {
            std::string reason = item.error_type.empty() ? "status " + std::to_string(item.status) : item.error_type;
            if (!item.error_reason.empty()) reason += ": " + item.error_reason;
            d.dead_letters.push_back({slices[s][i]->id, item.status, std::move(reason)});
          }
        }
      }
      if (overloaded) {
        concurrency_.OnOverload();
      } else {
        concurrency_.OnClean();
      }
      pending = std::move(again);
    }
    return d;
  }

 private:
  Duration Backoff(int retry) const {
    Duration d = options_.initial_backoff;
    for (int i = 0; i < retry && d < options_.max_backoff; ++i) d *= 2;
    d = std::min(d, options_.max_backoff);
    return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * hooks_.random01()));
  }

  Result<std::vector<BulkItemResult>> Send(const std::vector<const StoredRecord*>& records) {
    ClientRequest req;
    req.method = "POST";
    req.url = options_.url + "/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";
    req.retry = false;  // retries are ours, per item
    req.timeout = options_.timeout;
    req.headers["Content-Type"] = "application/x-ndjson";
    if (!authorization_.empty()) req.headers["Authorization"] = authorization_;
    std::string body = EncodeBulkBody(records, options_.index, options_.action);
    if (options_.gzip) {
      KELOLA_ASSIGN_OR_RETURN(req.body, GzipBody(body, 3));
      req.headers["Content-Encoding"] = "gzip";
    } else {
      req.body = std::move(body);
    }
    auto resp = client_.Send(req);
    if (!resp.ok()) {
      return UnavailableError("elasticsearch " + options_.url + ": " + resp.status().message());
    }
    int s = resp->status;
    if (s == 429 || s >= 500) {
      return UnavailableError("elasticsearch " + options_.url + ": _bulk answered " + std::to_string(s) + ": " +
                              resp->body.substr(0, 300));
    }
    if (s == 401 || s == 403) {
      return PermissionDeniedError("elasticsearch " + options_.url + ": _bulk answered " + std::to_string(s) +
                                   " (check username/password or api_key)");
    }
    if (s != 200) {
      return FailedPreconditionError("elasticsearch " + options_.url + ": _bulk answered " + std::to_string(s) + ": " +
                                     resp->body.substr(0, 300));
    }
    auto items = ParseBulkResponse(resp->body, records.size());
    if (!items.ok()) {
      // A proxy cut the answer short, or a different server: try again later.
      return UnavailableError("elasticsearch " + options_.url + ": " + items.status().message());
    }
    return items;
  }

  ElasticsearchSinkOptions options_;
  ElasticsearchSinkHooks hooks_;
  HttpClient client_;
  std::string authorization_;
  AimdLimit concurrency_;
};

}  // namespace

Result<std::unique_ptr<LogSink>> MakeElasticsearchSink(const ElasticsearchSinkOptions& options,
                                                       ElasticsearchSinkHooks hooks) {
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://")) {
    return InvalidArgumentError("url: expected http:// or https://, got \"" + options.url.substr(0, 80) + "\"");
  }
  KELOLA_RETURN_IF_ERROR(ValidateIndexPattern(options.index));
  if (options.action != "create" && options.action != "index") {
    return InvalidArgumentError("action: expected create or index, got \"" + options.action + "\"");
  }
  if (!options.username.empty() && !options.api_key.empty()) {
    return InvalidArgumentError("username/password and api_key are exclusive: set one");
  }
  if (options.max_item_attempts < 1) return InvalidArgumentError("max_item_attempts: must be >= 1");
  if (options.max_concurrency < 1) return InvalidArgumentError("max_concurrency: must be >= 1");
  ElasticsearchSinkOptions o = options;
  while (!o.url.empty() && o.url.back() == '/') o.url.pop_back();
  if (!hooks.sleep) hooks.sleep = [](Duration d) { std::this_thread::sleep_for(d); };
  if (!hooks.random01) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    hooks.random01 = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
  HttpClientOptions http;
  http.verify_tls = o.verify_tls;
  http.ca_file = o.ca_file;
  http.timeout = o.timeout;
  http.max_retries = 0;
  http.user_agent = "kelola-elasticsearch-sink";
  return std::unique_ptr<LogSink>(std::make_unique<ElasticsearchSink>(std::move(o), std::move(hooks), http));
}

}  // namespace kelola
