#include "tests/fakes/loki_server.h"

#include <algorithm>

#include "base/clock.h"
#include "net/http_server.h"

namespace kelola {
namespace {

std::string FormatTime(int64_t ns) {
  int64_t ms = ns >= 0 ? ns / 1'000'000 : -((-ns + 999'999) / 1'000'000);
  return FormatRfc3339(WallTime(std::chrono::milliseconds(ms))) + " (" + std::to_string(ns) + " ns)";
}

}  // namespace

Result<std::unique_ptr<FakeLokiServer>> FakeLokiServer::Start(FakeLokiOptions options) {
  std::unique_ptr<FakeLokiServer> f(new FakeLokiServer());
  f->options_ = options;
  HttpServerOptions http;
  http.host = "127.0.0.1";
  http.io_threads = 2;
  http.max_body_bytes = options.max_body_bytes;
  http.tls_cert_file = options.tls_cert_file;
  http.tls_key_file = options.tls_key_file;
  f->server_ = std::make_unique<HttpServer>(http);
  FakeLokiServer* self = f.get();
  f->server_->Route("POST", std::string(kLokiPushPath), [self](HttpRequest& r) {
    Response resp = self->Handle(r.Header("Content-Type"), r.Header("Content-Encoding"), r.Header("X-Scope-OrgID"),
                                 r.Header("Authorization"), r.body);
    if (resp.status == 204) {
      HttpResponse ok;
      ok.status = 204;
      return ok;
    }
    return HttpResponse::Text(resp.status, resp.body + "\n");
  });
  KELOLA_RETURN_IF_ERROR(f->server_->Start());
  return f;
}

FakeLokiServer::~FakeLokiServer() {
  if (server_) server_->Stop();
}

std::string FakeLokiServer::push_url() const {
  std::string scheme = options_.tls_cert_file.empty() ? "http" : "https";
  return scheme + "://127.0.0.1:" + std::to_string(server_->port()) + std::string(kLokiPushPath);
}

void FakeLokiServer::FailNext(int n, int status, std::string body, bool store_first) {
  std::lock_guard lock(mu_);
  fail_count_ = n;
  fail_status_ = status;
  fail_body_ = std::move(body);
  fail_store_first_ = store_first;
}

std::vector<FakeLokiEntry> FakeLokiServer::Entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::vector<FakeLokiRequest> FakeLokiServer::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

uint64_t FakeLokiServer::duplicates_ignored() const {
  std::lock_guard lock(mu_);
  return duplicates_;
}

FakeLokiServer::Response FakeLokiServer::Handle(const std::string& content_type, const std::string& content_encoding,
                                                const std::string& tenant_header, const std::string& authorization,
                                                const std::string& body) {
  std::lock_guard lock(mu_);
  FakeLokiRequest log{content_type, content_encoding, tenant_header, authorization, 0, ""};
  auto finish = [&](int status, std::string answer) {
    log.status = status;
    log.answer = answer;
    requests_.push_back(log);
    return Response{status, std::move(answer)};
  };
  if (!options_.expected_authorization.empty() && authorization != options_.expected_authorization) {
    return finish(401, "unauthorized");
  }
  std::string tenant = tenant_header.empty() ? "fake" : tenant_header;
  LokiPushLimits limits;
  auto push = DecodeLokiPushBody(body, content_type, content_encoding, limits);
  if (fail_count_ > 0) {
    --fail_count_;
    if (fail_store_first_ && push.ok()) {
      size_t refused = 0, total = 0;
      (void)Store(tenant, *push, &refused, &total);
    }
    return finish(fail_status_, fail_body_.empty() ? "injected failure" : fail_body_);
  }
  if (!push.ok()) {
    // Loki: 415 for an unknown Content-Encoding, 400 for anything unreadable.
    int status = push.status().code() == StatusCode::kUnimplemented ? 415 : 400;
    return finish(status, push.status().message());
  }
  size_t refused = 0, total = 0;
  std::string errors = Store(tenant, *push, &refused, &total);
  if (!errors.empty()) {
    return finish(400, errors + "total ignored: " + std::to_string(refused) + " out of " + std::to_string(total));
  }
  return finish(204, "");
}

std::string FakeLokiServer::Store(const std::string& tenant, const LokiPushRequest& push, size_t* refused,
                                  size_t* total) {
  int64_t now = static_cast<int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::string errors;
  for (const auto& s : push.streams) {
    *total += s.entries.size();
    std::string labels = FormatLokiLabels(s.labels);
    std::string stream_error;
    if (s.labels.empty()) {
      stream_error = "error at least one label pair is required per stream";
    } else if (s.labels.size() > options_.max_label_names) {
      stream_error = "entry for stream '" + labels + "' has " + std::to_string(s.labels.size()) +
                     " label names; limit " + std::to_string(options_.max_label_names);
    } else {
      for (const auto& [name, value] : s.labels) {
        if (name.size() > options_.max_label_name_length) {
          stream_error = "stream '" + labels + "' has label name too long: '" + name + "'";
        } else if (value.size() > options_.max_label_value_length) {
          stream_error = "stream '" + labels + "' has label value too long: '" + value + "'";
        }
      }
    }
    if (!stream_error.empty()) {
      *refused += s.entries.size();
      errors += stream_error + "\n";
      continue;
    }
    std::string key = tenant + labels;
    for (const auto& e : s.entries) {
      std::string reason;
      auto newest = newest_.find(key);
      if (e.timestamp_ns < now - options_.reject_old_samples_max_age.count()) {
        reason = "entry for stream '" + labels + "' has timestamp too old: " + FormatTime(e.timestamp_ns) +
                 ", oldest acceptable timestamp is: " + FormatTime(now - options_.reject_old_samples_max_age.count());
      } else if (e.timestamp_ns > now + options_.creation_grace_period.count()) {
        reason = "entry for stream '" + labels + "' has timestamp too new: " + FormatTime(e.timestamp_ns);
      } else if (newest != newest_.end()) {
        auto& at = stored_[key][e.timestamp_ns];
        if (std::find(at.begin(), at.end(), e.line) != at.end()) {
          ++duplicates_;  // same stream, timestamp and line: Loki ignores it silently
          continue;
        }
        if (options_.ordered_writes && e.timestamp_ns < newest->second) {
          reason = "entry out of order";
        } else if (e.timestamp_ns < newest->second - options_.out_of_order_window.count()) {
          reason =
              "entry too far behind, entry timestamp is: " + FormatTime(e.timestamp_ns) +
              ", oldest acceptable timestamp is: " + FormatTime(newest->second - options_.out_of_order_window.count());
        }
      }
      if (!reason.empty()) {
        ++*refused;
        errors += "entry with timestamp " + FormatTime(e.timestamp_ns) + " ignored, reason: '" + reason +
                  "' for stream: " + labels + ",\n";
        continue;
      }
      stored_[key][e.timestamp_ns].push_back(e.line);
      int64_t& n = newest_[key];
      if (newest == newest_.end() || e.timestamp_ns > n) n = e.timestamp_ns;
      entries_.push_back(FakeLokiEntry{tenant, labels, e.timestamp_ns, e.line, e.structured_metadata});
    }
  }
  return errors;
}

}  // namespace kelola
