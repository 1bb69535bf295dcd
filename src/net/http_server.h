// HttpServer: the HTTP/1.1 server behind the API, webhooks and ingest.
//
// Boost.Beast on Asio with a fixed pool of I/O threads (default: one per
// core); thousands of idle keep-alive connections cost a socket and a small
// buffer each, never a thread. Handlers run on an I/O thread and must not
// block for long; a handler that returns a response with `stream` set gets a
// dedicated thread for that response only (server-sent events).
//
// Routing: patterns like "/v1/{plural}/{name}"; a segment in braces matches
// one non-empty path segment and lands in request.path_params. The first
// matching route wins; an unknown path is a 404 and a known path with another
// method a 405, both in the API's error shape.
//
// Limits: request bodies above `max_body_bytes` get 413; a request that does
// not arrive within `read_timeout` is closed (408 when a partial request was
// read); slow readers are cut after `write_timeout`.
//
// Shutdown: Stop() stops accepting, lets in-flight requests finish (up to
// `drain_timeout`), ends streams, then joins the threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "net/http_message.h"

namespace kelola {

using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

// A route whose request body is streamed to a file instead of memory (large
// uploads): written in chunks to a new temporary file in `dir`, limited to
// `max_bytes` (413 above) instead of HttpServerOptions::max_body_bytes. The
// handler finds the path in HttpRequest::body_file; it may rename the file
// away, otherwise it is removed once the handler returns.
struct FileBodyOptions {
  std::string dir;
  uint64_t max_bytes = 0;
  // Called with the request line and headers (no body yet); a response
  // refuses the request before any of the body is read or stored (e.g. 401
  // for a missing token). Runs on an I/O thread: keep it quick.
  std::function<std::optional<HttpResponse>(HttpRequest&)> admit;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;   // 0 = pick a free port; read it back with port()
  int io_threads = 0;  // 0 = std::thread::hardware_concurrency()
  size_t max_body_bytes = 8 * 1024 * 1024;
  size_t max_header_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{120'000};  // keep-alive connections with no request
  std::chrono::milliseconds drain_timeout{10'000};
  // TLS: when both are set the server speaks HTTPS only.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // calls Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Register before Start(). `method` is "GET", "POST", ... or "*" for any.
  void Route(const std::string& method, const std::string& pattern, HttpHandler handler);
  // Same, with the body streamed to a file (FileBodyOptions).
  void Route(const std::string& method, const std::string& pattern, FileBodyOptions file_body, HttpHandler handler);
  // Answers GET and HEAD requests whose path no route matches (instead of the
  // 404), e.g. the web UI's static files and client-side routes
  // (api/ui_handlers.h). Register before Start(). The route pattern reported
  // to OnResponse is "(fallback)".
  void Fallback(HttpHandler handler);
  // Called for every response: method, route pattern ("" when unmatched), status, seconds.
  void OnResponse(std::function<void(const std::string&, const std::string&, int, double)> fn);

  // Binds and starts the I/O threads; returns once the port accepts connections.
  Status Start();
  uint16_t port() const;
  // Graceful shutdown as described above. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
