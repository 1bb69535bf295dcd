// HttpServer: threads, acceptor, routing and shutdown. The per-connection
// protocol work lives in http_connection.cc.
//
// Threading: one acceptor thread hands sockets round-robin to N I/O threads,
// each running its own io_context, so a connection never changes thread and
// needs no strand. The acceptor has its own thread so that a slow handler
// cannot stall accepting or Stop().
#include <utility>  // before Asio, see http_connection.h

#include "net/http_server.h"

#include <algorithm>
#include <exception>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/logging.h"
#include "net/http_connection.h"
#include "net/router.h"

namespace kelola {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using http_internal::ConnectionSet;
using http_internal::ServerShared;
using http_internal::SteadyTime;

// Timeouts are checked by a sweep over each thread's connections at this
// interval, bounded so that tests with tiny timeouts stay precise and
// servers with thousands of connections do not spin.
std::chrono::milliseconds SweepInterval(const HttpServerOptions& o) {
  std::chrono::milliseconds shortest{250};
  for (auto t : {o.read_timeout, o.write_timeout, o.idle_timeout}) {
    if (t.count() > 0) shortest = std::min(shortest, t / 4);
  }
  return std::clamp(shortest, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

// An event loop and the connections living on it. Member order matters:
// the io_context is destroyed before `connections` (its pending coroutines
// unregister themselves) and after `sweeper`.
struct Worker {
  ConnectionSet connections;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  asio::steady_timer sweeper{io};
  std::thread thread;
};

void RunLoop(asio::io_context& io, const char* what) {
  while (true) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      // A handler escaped its try/catch: keep serving the other connections.
      LogError("http server event loop error", {{"loop", what}, {"error", e.what()}});
    } catch (...) {
      LogError("http server event loop error", {{"loop", what}});
    }
  }
}

}  // namespace

class HttpServer::Impl final : public http_internal::ConnectionHost {
 public:
  explicit Impl(HttpServerOptions options) : options_(std::move(options)) {}
  ~Impl() override { Stop(); }

  void Route(const std::string& method, const std::string& pattern, std::optional<FileBodyOptions> file_body,
             HttpHandler handler) {
    Result<size_t> added = router_.Add(method, pattern);
    if (!added.ok()) {
      if (route_error_.ok()) route_error_ = added.status();
      return;
    }
    handlers_.push_back(std::move(handler));
    file_bodies_.push_back(std::move(file_body));
  }

  void Fallback(HttpHandler fn) { fallback_ = std::move(fn); }
  void OnResponse(std::function<void(const std::string&, const std::string&, int, double)> fn) {
    on_response_ = std::move(fn);
  }

  Status Start();
  void Stop();
  uint16_t port() const { return port_.load(); }

  // ConnectionHost
  const HttpServerOptions& options() const override { return options_; }
  const std::shared_ptr<ServerShared>& shared() const override { return shared_; }
  HttpResponse Dispatch(HttpRequest& request, std::string_view raw_path, std::string* pattern) override;
  const FileBodyOptions* FileBodyFor(std::string_view method, std::string_view raw_path) const override {
    const Router::Match match = router_.Find(method, raw_path);
    if (match.outcome != Router::Outcome::kFound || !file_bodies_[match.route]) return nullptr;
    return &*file_bodies_[match.route];
  }
  void ReportResponse(const std::string& method, const std::string& pattern, int status, double seconds) override {
    if (!on_response_) return;
    try {
      on_response_(method, pattern, status, seconds);
    } catch (...) {
      // Metrics must not take a connection down.
    }
  }

 private:
  Status StartLocked();
  asio::awaitable<void> AcceptLoop();
  void Sweep(Worker& worker);
  void ForEachConnection(void (http_internal::Connection::*fn)());

  const HttpServerOptions options_;
  Router router_;
  std::vector<HttpHandler> handlers_;
  std::vector<std::optional<FileBodyOptions>> file_bodies_;  // by route index
  Status route_error_;
  std::function<void(const std::string&, const std::string&, int, double)> on_response_;
  HttpHandler fallback_;  // GET/HEAD with no matching route; null = 404
  std::shared_ptr<ServerShared> shared_ = std::make_shared<ServerShared>();

  std::mutex lifecycle_mu_;  // serializes Start() and Stop()
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<uint16_t> port_{0};
  std::chrono::milliseconds sweep_interval_{250};

  std::optional<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Worker>> workers_;
  size_t next_worker_ = 0;  // acceptor thread only
  std::unique_ptr<Worker> accept_worker_;
  std::optional<tcp::acceptor> acceptor_;
};

HttpResponse HttpServer::Impl::Dispatch(HttpRequest& request, std::string_view raw_path, std::string* pattern) {
  const Router::Match match = router_.Find(request.method, raw_path);
  if (match.outcome == Router::Outcome::kNotFound && fallback_ &&
      (request.method == "GET" || request.method == "HEAD")) {
    *pattern = "(fallback)";
    try {
      return fallback_(request);
    } catch (const std::exception& e) {
      LogError("http fallback handler threw", {{"method", request.method}, {"error", e.what()}});
    }
    return HttpResponse::Error(500, "INTERNAL", "internal error");
  }
  switch (match.outcome) {
    case Router::Outcome::kNotFound: return HttpResponse::Error(404, "NOT_FOUND", "no route for path " + request.path);
    case Router::Outcome::kMethodNotAllowed: {
      HttpResponse r = HttpResponse::Error(405, "METHOD_NOT_ALLOWED",
                                           "method " + request.method + " is not allowed for path " + request.path +
                                               "; allowed: " + match.allowed_methods);
      r.headers["Allow"] = match.allowed_methods;
      return r;
    }
    case Router::Outcome::kFound: break;
  }
  *pattern = router_.pattern(match.route);
  request.path_params = match.params;
  try {
    return handlers_[match.route](request);
  } catch (const std::exception& e) {
    LogError("http handler threw", {{"method", request.method}, {"route", *pattern}, {"error", e.what()}});
  } catch (...) {
    LogError("http handler threw", {{"method", request.method}, {"route", *pattern}});
  }
  return HttpResponse::Error(500, "INTERNAL", "internal error");
}

Status HttpServer::Impl::Start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_) return FailedPreconditionError("http server already started");
  if (!route_error_.ok()) return route_error_;
  try {
    Status s = StartLocked();
    if (!s.ok()) {
      acceptor_.reset();
      workers_.clear();
      accept_worker_.reset();
      tls_.reset();
    }
    return s;
  } catch (const std::exception& e) {
    return InternalError(std::string("starting http server: ") + e.what());
  }
}

Status HttpServer::Impl::StartLocked() {
  const bool has_cert = !options_.tls_cert_file.empty();
  const bool has_key = !options_.tls_key_file.empty();
  if (has_cert != has_key) {
    return InvalidArgumentError("TLS needs both tls_cert_file and tls_key_file");
  }
  if (has_cert) {
    tls_.emplace(asio::ssl::context::tls_server);
    error_code ec;
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                          asio::ssl::context::single_dh_use,
                      ec);
    tls_->use_certificate_chain_file(options_.tls_cert_file, ec);
    if (ec) {
      return InvalidArgumentError("loading TLS certificate " + options_.tls_cert_file + ": " + ec.message());
    }
    tls_->use_private_key_file(options_.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return InvalidArgumentError("loading TLS key " + options_.tls_key_file + ": " + ec.message());
    }
  }

  int threads = options_.io_threads > 0 ? options_.io_threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(threads, 1);
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
  accept_worker_ = std::make_unique<Worker>();

  const std::string where = options_.host + ":" + std::to_string(options_.port);
  error_code ec;
  tcp::resolver resolver(accept_worker_->io);
  const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return InvalidArgumentError("cannot resolve listen address " + where + ": " + ec.message());
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.emplace(accept_worker_->io);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return UnavailableError("cannot listen on " + where + ": " + ec.message());
  port_ = acceptor_->local_endpoint(ec).port();

  sweep_interval_ = SweepInterval(options_);
  for (auto& w : workers_) {
    Sweep(*w);
    w->thread = std::thread([&io = w->io] { RunLoop(io, "io"); });
  }
  asio::co_spawn(accept_worker_->io, AcceptLoop(), asio::detached);
  accept_worker_->thread = std::thread([&io = accept_worker_->io] { RunLoop(io, "accept"); });
  started_ = true;
  return OkStatus();
}

asio::awaitable<void> HttpServer::Impl::AcceptLoop() {
  asio::steady_timer backoff(accept_worker_->io);
  while (!shared_->stopping.load()) {
    Worker& target = *workers_[next_worker_];
    next_worker_ = (next_worker_ + 1) % workers_.size();
    tcp::socket socket(target.io);
    error_code ec;
    co_await acceptor_->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      // Out of descriptors or memory: accepting again at once would spin.
      LogWarn("http accept failed", {{"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    asio::post(target.io, [this, &target, socket = std::move(socket)]() mutable {
      http_internal::StartConnection(std::move(socket), tls_ ? &*tls_ : nullptr, *this, target.connections);
    });
  }
}

void HttpServer::Impl::Sweep(Worker& worker) {
  worker.sweeper.expires_after(sweep_interval_);
  worker.sweeper.async_wait([this, &worker](error_code ec) {
    if (ec) return;
    const SteadyTime now = std::chrono::steady_clock::now();
    // CheckDeadline only closes or cancels sockets; their completions run
    // later, so the set does not change while it is walked.
    for (http_internal::Connection* c : worker.connections.live) c->CheckDeadline(now);
    Sweep(worker);
  });
}

void HttpServer::Impl::ForEachConnection(void (http_internal::Connection::*fn)()) {
  for (auto& w : workers_) {
    asio::post(w->io, [&w = *w, fn] {
      for (http_internal::Connection* c : w.connections.live) (c->*fn)();
    });
  }
}

void HttpServer::Impl::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  const SteadyTime drain_deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  shared_->stopping = true;

  std::promise<void> acceptor_closed;
  asio::post(accept_worker_->io, [&] {
    error_code ec;
    acceptor_->close(ec);
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait();

  ForEachConnection(&http_internal::Connection::BeginShutdown);
  if (!shared_->WaitForConnections(drain_deadline)) {
    LogWarn("http server drain timed out; closing remaining connections",
            {{"drain_timeout_ms", static_cast<int64_t>(options_.drain_timeout.count())}});
    ForEachConnection(&http_internal::Connection::ForceClose);
    // A handler still running holds its thread; joining below waits for it.
    (void)shared_->WaitForConnections(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
  // Producers were told to stop (the flag above, their connection gone) and
  // are asked to return within about a second.
  const SteadyTime stream_deadline =
      std::max(drain_deadline, std::chrono::steady_clock::now() + std::chrono::seconds(2));
  if (!shared_->WaitForStreamThreads(stream_deadline)) {
    LogWarn("http server: a stream producer did not return; leaving its thread behind");
  }

  for (auto& w : workers_) {
    w->work.reset();
    w->io.stop();
  }
  accept_worker_->work.reset();
  accept_worker_->io.stop();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  if (accept_worker_->thread.joinable()) accept_worker_->thread.join();
  acceptor_.reset();
  // Destroys any coroutine still suspended; they only touch their Worker.
  workers_.clear();
  accept_worker_.reset();
}

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpServer::~HttpServer() = default;

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler) {
  impl_->Route(method, pattern, std::nullopt, std::move(handler));
}

void HttpServer::Route(const std::string& method, const std::string& pattern, FileBodyOptions file_body,
                       HttpHandler handler) {
  impl_->Route(method, pattern, std::move(file_body), std::move(handler));
}

void HttpServer::Fallback(HttpHandler handler) { impl_->Fallback(std::move(handler)); }

void HttpServer::OnResponse(std::function<void(const std::string&, const std::string&, int, double)> fn) {
  impl_->OnResponse(std::move(fn));
}

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace kelola
