// HttpClient: the project's `requests`, on libcurl.
//
// Timeouts on every request; retries with exponential backoff and full
// jitter for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) on
// connection errors and 502/503/504 (and 429, honouring Retry-After);
// unix-socket targets (Docker); TLS verification on by default (turning it
// off must be explicit); responses can be streamed line by line.
//
// Transport failures come back as a non-OK Status (Unavailable for
// connect/reset, DeadlineExceeded for timeouts); any HTTP status — 4xx and
// 5xx included — is a successful Result carrying that status.
// Thread-safety: one HttpClient may be used from several threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "net/http_message.h"

namespace kelola {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{30'000};  // whole request; 0 = none (streams)
  int max_retries = 3;                        // for idempotent requests only
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  std::string unix_socket;  // when set, every request goes over this socket
  bool verify_tls = true;
  std::string ca_file;  // extra CA bundle; "" = system default
  // TLS client certificate and its key (PEM files), for servers that
  // authenticate clients by certificate (a Kubernetes API server).
  std::string client_cert_file;
  std::string client_key_file;
  std::string user_agent = "kelola";
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // "http://127.0.0.1:7480/v1/hosts" (host is ignored for unix sockets)
  HeaderMap headers;
  std::string body;
  // When set, the body is read from this file instead of `body` (sent with
  // its size as Content-Length, never held in memory): large uploads such
  // as a Docker build context.
  std::string body_file;
  // Overrides the client's timeout for this request when non-zero.
  std::chrono::milliseconds timeout{0};
  // Force retries on (true) or off (false) regardless of the method.
  std::optional<bool> retry;
  // Polled about once a second while the transfer runs, data or not;
  // returning false aborts it with a Cancelled status (a long build that
  // prints nothing can still be stopped).
  std::function<bool()> keep_going;
};

struct ClientResponse {
  int status = 0;
  HeaderMap headers;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();

  Result<ClientResponse> Send(const ClientRequest& request);
  // Streams the body: `on_line` gets each line without its "\n" (nor a
  // trailing "\r"); returning false stops the transfer (an OK Result). The
  // returned response has an empty body, except for a status >= 300, whose
  // body (up to 64 KiB) is returned instead of streamed. Never retried; only
  // `request.timeout` bounds it (options.timeout does not apply to streams).
  Result<ClientResponse> Stream(const ClientRequest& request,
                                const std::function<bool(std::string_view line)>& on_line);
  // Like Stream() but hands out the body's bytes as they arrive, in chunks
  // of any size (binary protocols such as Docker's multiplexed log stream).
  Result<ClientResponse> StreamBytes(const ClientRequest& request,
                                     const std::function<bool(std::string_view chunk)>& on_chunk);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
