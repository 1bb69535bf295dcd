// One HTTP/1.1 connection: a coroutine that reads requests, runs the handler
// and writes responses until the peer leaves, a timeout fires or the server
// stops. Timeouts are enforced by the server's per-thread sweeper calling
// CheckDeadline(), so a request costs no timer syscalls.
#include <utility>  // before Asio, see http_connection.h

#include "net/http_connection.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "base/clock.h"
#include "base/logging.h"

namespace kelola::http_internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kFirstReadBytes = 4096;
// A streaming producer runs ahead of a slow client by at most this much.
constexpr size_t kMaxQueuedStreamBytes = 256 * 1024;
// After an error response the rest of the request is read and dropped for a
// moment, so closing does not reset the connection before the client has
// read the response.
constexpr size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kMaxLinger{1000};

auto Await(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

bool HasCrOrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c >= 127 || c == ':') return false;
  }
  return true;
}

bool IsSilentDisconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor ||
         ec == asio::ssl::error::stream_truncated;
}

struct TargetParts {
  std::string_view path;
  std::string_view query;
};

TargetParts SplitTarget(std::string_view target) {
  // absolute-form ("http://host/path") is legal HTTP/1.1; only the path counts.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      const size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  const size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// Handler output -> Beast response. Header values with CR/LF would split the
// response (header injection), so they are dropped with a log line.
template <class Body>
void CopyHeaders(const HttpResponse& in, http::response<Body>& out) {
  for (const auto& [name, value] : in.headers) {
    if (!IsValidHeaderName(name) || HasCrOrLf(value)) {
      LogWarn("dropping invalid response header", {{"header", name}});
      continue;
    }
    out.set(name, value);
  }
  out.set(http::field::server, "kelola");
}

unsigned ValidStatus(int status) { return status >= 100 && status <= 999 ? static_cast<unsigned>(status) : 500u; }

http::response<http::string_body> BuildResponse(HttpResponse& in, unsigned version, bool keep_alive, bool is_head) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(ValidStatus(in.status));
  CopyHeaders(in, res);
  res.keep_alive(keep_alive);
  const unsigned code = res.result_int();
  const bool no_body_allowed = code < 200 || code == 204 || code == 304;
  if (no_body_allowed) {
    res.erase(http::field::content_length);
  } else if (is_head) {
    res.content_length(in.body.size());
  } else {
    res.body() = std::move(in.body);
    res.prepare_payload();
  }
  return res;
}

// The hand-off between a streaming response's producer thread and the I/O
// thread that writes its chunks.
struct StreamState {
  explicit StreamState(asio::any_io_executor ex) : executor(std::move(ex)) {}

  const asio::any_io_executor executor;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> chunks;  // guarded by mu
  size_t queued_bytes = 0;         // guarded by mu
  bool producer_done = false;      // guarded by mu
  // False once the connection stopped streaming; the producer then ends and
  // never touches `executor` again (its io_context may be going away).
  bool connection_alive = true;  // guarded by mu

  // I/O thread only.
  asio::steady_timer* wake = nullptr;
  bool client_gone = false;
};

void WakeStream(const std::shared_ptr<StreamState>& st) {
  if (st->wake != nullptr) st->wake->cancel();
}

// Runs on the stream's own thread.
void RunProducer(const std::shared_ptr<StreamState>& st, const std::shared_ptr<ServerShared>& shared,
                 StreamProducer& producer) {
  while (true) {
    {
      std::lock_guard lock(st->mu);
      if (!st->connection_alive) return;
    }
    if (shared->stopping.load()) return;
    std::string out;
    bool more = false;
    try {
      more = producer(out);
    } catch (const std::exception& e) {
      LogError("stream producer threw", {{"error", e.what()}});
    } catch (...) {
      LogError("stream producer threw");
    }
    std::unique_lock lock(st->mu);
    if (!st->connection_alive) return;
    const bool changed = !out.empty() || !more;
    if (!out.empty()) {
      st->queued_bytes += out.size();
      st->chunks.push_back(std::move(out));
    }
    if (!more) st->producer_done = true;
    if (changed) asio::post(st->executor, [st] { WakeStream(st); });
    if (!more) return;
    st->cv.wait(lock, [&] { return st->queued_bytes < kMaxQueuedStreamBytes || !st->connection_alive; });
  }
}

template <class Stream>
class HttpConnection final : public Connection, public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  template <class... StreamArgs>
  HttpConnection(ConnectionHost& host, ConnectionSet& set, std::string remote, StreamArgs&&... stream_args)
      : host_(host),
        options_(host.options()),
        set_(set),
        remote_(std::move(remote)),
        stream_(std::forward<StreamArgs>(stream_args)...) {
    set_.live.insert(this);
    host_.shared()->ConnectionOpened();
  }

  ~HttpConnection() override {
    set_.live.erase(this);
    host_.shared()->ConnectionClosed();
  }

  static void Start(std::shared_ptr<HttpConnection> self) {
    Stream& stream = self->stream_;
    asio::co_spawn(stream.get_executor(), Serve(std::move(self)), asio::detached);
  }

  void CheckDeadline(SteadyTime now) override {
    if (closed_ || now < deadline_) return;
    deadline_ = SteadyTime::max();
    if (phase_ == Phase::kReading) {
      // Cancel rather than close: the coroutine still answers 408.
      timed_out_ = true;
      error_code ec;
      socket().cancel(ec);
    } else {
      CloseSocket();
    }
  }

  void BeginShutdown() override {
    if (phase_ == Phase::kIdle) CloseSocket();
    if (phase_ == Phase::kStreaming && stream_wake_ != nullptr) stream_wake_->cancel();
  }

  void ForceClose() override {
    CloseSocket();
    if (stream_wake_ != nullptr) stream_wake_->cancel();
  }

 private:
  enum class Phase { kHandshake, kIdle, kReading, kHandling, kWriting, kStreaming, kClosing };

  static constexpr bool kIsTls = !std::is_same_v<Stream, tcp::socket>;

  // The TCP socket under any TLS layer.
  tcp::socket& socket() {
    if constexpr (kIsTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  void Expect(Phase phase, std::chrono::milliseconds limit) {
    phase_ = phase;
    deadline_ = limit.count() > 0 ? std::chrono::steady_clock::now() + limit : SteadyTime::max();
  }

  void CloseSocket() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  bool stopping() const { return host_.shared()->stopping.load(std::memory_order_relaxed); }

  static asio::awaitable<void> Serve(std::shared_ptr<HttpConnection> self) {
    try {
      co_await self->ServeRequests();
    } catch (const std::exception& e) {
      LogError("http connection failed", {{"remote", self->remote_}, {"error", e.what()}});
    } catch (...) {
      LogError("http connection failed", {{"remote", self->remote_}});
    }
    self->CloseSocket();
  }

  asio::awaitable<void> ServeRequests() {
    error_code ec;
    if constexpr (kIsTls) {
      Expect(Phase::kHandshake, options_.read_timeout);
      co_await stream_.async_handshake(asio::ssl::stream_base::server, Await(ec));
      if (ec) co_return;
    }
    bool first = true;
    while (true) {
      if (buffer_.size() == 0) {
        // Waiting for the first byte of a request is "idle": the only state
        // Stop() may cut short, and the one idle_timeout bounds.
        if (stopping()) co_return;
        Expect(Phase::kIdle, first ? options_.read_timeout : options_.idle_timeout);
        const size_t n = co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), Await(ec));
        buffer_.commit(n);
        if (ec) co_return;
      }
      first = false;
      const bool keep_going = co_await ServeOneRequest();
      if (!keep_going || closed_) co_return;
    }
  }

  // Returns false when the connection must close.
  asio::awaitable<bool> ServeOneRequest() {
    error_code ec;
    timed_out_ = false;
    Expect(Phase::kReading, options_.read_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(options_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    // The limit depends on the route, known only once the header is read
    // (Beast checks Content-Length against the limit as the header ends;
    // boost::none would compare as "less than any length" in Boost 1.74).
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    co_await http::async_read_header(stream_, buffer_, parser, Await(ec));
    const FileBodyOptions* file_body = nullptr;
    std::string header_method;
    if (parser.is_header_done()) header_method = std::string(parser.get().method_string());
    if (!ec) {
      const auto& header = parser.get();
      const std::string_view target(header.target().data(), header.target().size());
      file_body = host_.FileBodyFor(header_method, target.substr(0, target.find('?')));
      const uint64_t limit = file_body != nullptr ? file_body->max_bytes : options_.max_body_bytes;
      parser.body_limit(limit);
      if (parser.content_length() && *parser.content_length() > limit) ec = http::error::body_limit;
    }
    if (!ec && file_body != nullptr && file_body->admit) {
      // Refused before a byte of the body is read (or stored).
      HttpRequest probe;
      FillFromHeader(parser.get(), probe);
      std::optional<HttpResponse> refused = file_body->admit(probe);
      if (refused) {
        const MonoTime started = SystemClock().Monotonic();
        Expect(Phase::kWriting, options_.write_timeout);
        auto res = BuildResponse(*refused, parser.get().version(), /*keep_alive=*/false, /*is_head=*/false);
        co_await http::async_write(stream_, res, Await(ec));
        const std::string pattern;
        Report(probe.method, pattern, static_cast<int>(ValidStatus(refused->status)), started);
        if (!ec) co_await CloseAfterResponse(/*unread_request=*/true);
        co_return false;
      }
    }
    if (!ec && !parser.is_done()) {
      const auto& header = parser.get();
      if (header.version() >= 11 && beast::iequals(header[http::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()), Await(ec));
      }
    }
    // The body: in memory, or streamed to a file for FileBody routes.
    HttpRequest request;
    std::optional<http::request<http::string_body>> in_memory;
    std::optional<http::request<http::buffer_body>> to_file;
    std::string body_error;
    if (!ec && file_body != nullptr) {
      http::request_parser<http::buffer_body> file_parser(std::move(parser));
      file_parser.body_limit(file_body->max_bytes);
      co_await ReadBodyToFile(file_parser, *file_body, request, ec, body_error);
      if (!ec) to_file.emplace(file_parser.release());
    } else {
      if (!ec && !parser.is_done()) co_await http::async_read(stream_, buffer_, parser, Await(ec));
      if (!ec) in_memory.emplace(parser.release());
    }
    if (ec || !body_error.empty()) {
      if (!request.body_file.empty()) ::unlink(request.body_file.c_str());
      if (!body_error.empty()) {
        const std::string code = "INTERNAL";
        co_await WriteError(500, code, body_error, header_method);
        co_return false;
      }
      if (ec == http::error::body_limit && file_body != nullptr && !timed_out_) {
        const std::string code = "PAYLOAD_TOO_LARGE";
        const std::string message = "request body exceeds " + std::to_string(file_body->max_bytes) + " bytes";
        co_await WriteError(413, code, message, header_method);
        co_return false;
      }
      co_await AnswerReadError(ec, header_method);
      co_return false;
    }

    const MonoTime started = SystemClock().Monotonic();
    const auto& req_header = in_memory ? static_cast<const http::request_header<>&>(*in_memory)
                                       : static_cast<const http::request_header<>&>(*to_file);
    const unsigned version = req_header.version();
    const bool is_head = req_header.method() == http::verb::head;
    FillFromHeader(req_header, request);
    const TargetParts parts = SplitTarget(request.target);
    if (in_memory) request.body = std::move(in_memory->body());
    const bool keep_alive_requested = in_memory ? in_memory->keep_alive() : to_file->keep_alive();

    Expect(Phase::kHandling, std::chrono::milliseconds(0));
    std::string pattern;
    HttpResponse response = host_.Dispatch(request, parts.path, &pattern);
    if (!request.body_file.empty()) ::unlink(request.body_file.c_str());  // unless the handler moved it
    const bool keep_alive = keep_alive_requested && !stopping();
    const int status = static_cast<int>(ValidStatus(response.status));

    if (response.stream && is_head) {
      // HEAD never has a body, so there is nothing to produce.
      response.stream = nullptr;
      response.body.clear();
    }
    if (response.stream) {
      co_await WriteStream(response, version);
      Report(request.method, pattern, status, started);
      co_return false;
    }
    Expect(Phase::kWriting, options_.write_timeout);
    auto res = BuildResponse(response, version, keep_alive, is_head);
    co_await http::async_write(stream_, res, Await(ec));
    Report(request.method, pattern, status, started);
    if (ec) co_return false;
    if (!keep_alive) co_await CloseAfterResponse(/*unread_request=*/false);
    co_return keep_alive;
  }

  void FillFromHeader(const http::request_header<>& header, HttpRequest& request) const {
    request.method = std::string(header.method_string());
    request.target = std::string(header.target());
    const TargetParts parts = SplitTarget(request.target);
    request.path = PercentDecode(parts.path, /*plus_is_space=*/false);
    request.query = ParseQueryString(parts.query);
    for (const auto& field : header) {
      auto [it, inserted] = request.headers.emplace(field.name_string(), field.value());
      if (!inserted) {
        it->second += ", ";
        it->second.append(field.value().data(), field.value().size());
      }
    }
    request.remote_address = remote_;
  }

  // Streams the body of a FileBody route into a new file in options.dir,
  // chunk by chunk; each chunk re-arms the read timeout, so a large upload
  // that keeps moving is never cut, a stalled one is. Sets request.body_file
  // and body_bytes; `ec` is a read error (body_limit above max_bytes),
  // `error` a local file problem.
  asio::awaitable<void> ReadBodyToFile(http::request_parser<http::buffer_body>& parser, const FileBodyOptions& options,
                                       HttpRequest& request, error_code& ec, std::string& error) {
    if (parser.is_done()) co_return;
    std::string path = options.dir + "/.upload-XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) {
      error = "cannot create a file for the request body in " + options.dir;
      co_return;
    }
    request.body_file = path;
    std::vector<char> chunk(256 * 1024);
    while (!parser.is_done()) {
      Expect(Phase::kReading, options_.read_timeout);
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      co_await http::async_read_some(stream_, buffer_, parser, Await(ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) break;
      const size_t n = chunk.size() - parser.get().body().size;
      for (size_t done = 0; done < n;) {
        const ssize_t w = ::write(fd, chunk.data() + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          error = "cannot write the request body to " + options.dir + " (disk full?)";
          break;
        }
        done += static_cast<size_t>(w);
      }
      if (!error.empty()) break;
      request.body_bytes += n;
    }
    ::close(fd);
  }

  void Report(const std::string& method, const std::string& pattern, int status, MonoTime started) {
    const double seconds = std::chrono::duration<double>(SystemClock().Monotonic() - started).count();
    host_.ReportResponse(method, pattern, status, seconds);
  }

  // Coroutine arguments are named locals passed by reference: g++ 12
  // mishandles temporaries (a ?: of strings, say) materialized into a
  // callee coroutine's parameters.
  asio::awaitable<void> AnswerReadError(const error_code& ec, const std::string& method) {
    int status = 0;
    std::string code;
    std::string message;
    if (timed_out_) {
      status = 408;
      code = "REQUEST_TIMEOUT";
      message = "the request did not arrive in time";
    } else if (ec == http::error::body_limit) {
      status = 413;
      code = "PAYLOAD_TOO_LARGE";
      message = "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes";
    } else if (ec == http::error::header_limit) {
      status = 431;
      code = "HEADERS_TOO_LARGE";
      message = "request headers exceed " + std::to_string(options_.max_header_bytes) + " bytes";
    } else if (!IsSilentDisconnect(ec)) {
      status = 400;
      code = "BAD_REQUEST";
      message = "malformed HTTP request: " + ec.message();
    } else {
      co_return;
    }
    co_await WriteError(status, code, message, method);
  }

  asio::awaitable<void> WriteError(int status, const std::string& code, const std::string& message,
                                   const std::string& method) {
    const MonoTime started = SystemClock().Monotonic();
    HttpResponse response = HttpResponse::Error(status, code, message);
    auto res = BuildResponse(response, 11, /*keep_alive=*/false, /*is_head=*/false);
    Expect(Phase::kWriting, options_.write_timeout);
    error_code ec;
    co_await http::async_write(stream_, res, Await(ec));
    Report(method, "", status, started);
    if (!ec) co_await CloseAfterResponse(/*unread_request=*/true);
  }

  // Half-closes, then reads and drops what the client still sends for a
  // moment when it may have more to send (`unread_request`) or already did:
  // closing with unread input makes the kernel send a reset that can destroy
  // the response before the client has read it.
  asio::awaitable<void> CloseAfterResponse(bool unread_request) {
    error_code ec;
    socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    if (!unread_request && buffer_.size() == 0 && socket().available(ec) == 0) co_return;
    Expect(Phase::kClosing,
           std::min(kMaxLinger, options_.read_timeout.count() > 0 ? options_.read_timeout : kMaxLinger));
    char scratch[4096];
    size_t drained = 0;
    while (!closed_ && drained < kMaxLingerBytes) {
      // Raw socket reads on purpose: with TLS these are records nobody
      // needs decrypted.
      drained += co_await socket().async_read_some(asio::buffer(scratch), Await(ec));
      if (ec) break;
    }
  }

  // Streams `response` with chunked encoding (HTTP/1.1) or until close
  // (HTTP/1.0). The connection always closes afterwards.
  asio::awaitable<void> WriteStream(HttpResponse& response, unsigned version) {
    error_code ec;
    const bool chunked = version >= 11;
    http::response<http::empty_body> res;
    res.version(version);
    res.result(ValidStatus(response.status));
    CopyHeaders(response, res);
    res.erase(http::field::content_length);
    res.keep_alive(false);
    if (chunked) res.chunked(true);
    http::response_serializer<http::empty_body> serializer(res);
    Expect(Phase::kWriting, options_.write_timeout);
    co_await http::async_write_header(stream_, serializer, Await(ec));
    if (ec) co_return;

    auto st = std::make_shared<StreamState>(stream_.get_executor());
    asio::steady_timer wake(stream_.get_executor());
    st->wake = &wake;
    stream_wake_ = &wake;
    struct EndStream {
      HttpConnection* self;
      std::shared_ptr<StreamState> st;
      ~EndStream() {
        st->wake = nullptr;
        self->stream_wake_ = nullptr;
        std::lock_guard lock(st->mu);
        st->connection_alive = false;
        st->cv.notify_all();
      }
    } end_stream{this, st};

    WatchForDisconnect(st);
    auto shared = host_.shared();
    const bool started = ServerShared::StartStreamThread(
        shared, [st, shared, producer = std::move(response.stream)]() mutable { RunProducer(st, shared, producer); });
    if (!started) LogError("cannot start a thread for a streaming response");

    Expect(Phase::kStreaming, std::chrono::milliseconds(0));
    while (started && !closed_) {
      std::deque<std::string> chunks;
      bool done = false;
      {
        std::lock_guard lock(st->mu);
        chunks.swap(st->chunks);
        st->queued_bytes = 0;
        done = st->producer_done;
      }
      st->cv.notify_all();
      if (st->client_gone) co_return;
      for (const std::string& chunk : chunks) {
        if (chunk.empty()) continue;
        Expect(Phase::kWriting, options_.write_timeout);
        if (chunked) {
          const auto framed = http::make_chunk(asio::buffer(chunk));
          co_await asio::async_write(stream_, framed, Await(ec));
        } else {
          co_await asio::async_write(stream_, asio::buffer(chunk), Await(ec));
        }
        Expect(Phase::kStreaming, std::chrono::milliseconds(0));
        if (ec) co_return;
      }
      if (done || stopping()) break;
      if (chunks.empty()) {
        // Sleeps until the producer posts, the client leaves or Stop().
        wake.expires_at(asio::steady_timer::time_point::max());
        co_await wake.async_wait(Await(ec));
      }
    }
    if (chunked && !closed_ && !st->client_gone) {
      Expect(Phase::kWriting, options_.write_timeout);
      const auto last = http::make_chunk_last();
      co_await asio::async_write(stream_, last, Await(ec));
    }
  }

  // During a stream nothing else is read, so a read completing means the
  // client hung up (or sent bytes nobody will answer: ignored).
  void WatchForDisconnect(const std::shared_ptr<StreamState>& st) {
    socket().async_read_some(asio::buffer(watch_buffer_), [self = this->shared_from_this(), st](error_code ec, size_t) {
      if (!ec && st->wake != nullptr) {
        self->WatchForDisconnect(st);
        return;
      }
      st->client_gone = true;
      WakeStream(st);
    });
  }

  ConnectionHost& host_;
  const HttpServerOptions& options_;
  ConnectionSet& set_;
  const std::string remote_;
  Stream stream_;
  beast::flat_buffer buffer_;
  Phase phase_ = Phase::kIdle;
  SteadyTime deadline_ = SteadyTime::max();
  bool timed_out_ = false;
  bool closed_ = false;
  asio::steady_timer* stream_wake_ = nullptr;
  char watch_buffer_[512];
};

}  // namespace

void ServerShared::ConnectionOpened() {
  std::lock_guard lock(mu_);
  ++live_connections_;
}

void ServerShared::ConnectionClosed() {
  std::lock_guard lock(mu_);
  if (--live_connections_ == 0) cv_.notify_all();
}

bool ServerShared::StartStreamThread(const std::shared_ptr<ServerShared>& self, std::function<void()> body) {
  {
    std::lock_guard lock(self->mu_);
    ++self->stream_threads_;
  }
  try {
    std::thread([self, body = std::move(body)]() mutable {
      body();
      body = nullptr;  // the producer's captures die before Stop() may return
      std::lock_guard lock(self->mu_);
      if (--self->stream_threads_ == 0) self->cv_.notify_all();
    }).detach();
    return true;
  } catch (const std::system_error&) {
    std::lock_guard lock(self->mu_);
    if (--self->stream_threads_ == 0) self->cv_.notify_all();
    return false;
  }
}

bool ServerShared::WaitForConnections(SteadyTime deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return live_connections_ == 0; });
}

bool ServerShared::WaitForStreamThreads(SteadyTime deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return stream_threads_ == 0; });
}

void StartConnection(tcp::socket socket, asio::ssl::context* tls, ConnectionHost& host, ConnectionSet& set) {
  error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote = FormatEndpoint(peer);
  if (tls == nullptr) {
    auto conn = std::make_shared<HttpConnection<tcp::socket>>(host, set, std::move(remote), std::move(socket));
    HttpConnection<tcp::socket>::Start(std::move(conn));
  } else {
    using TlsStream = asio::ssl::stream<tcp::socket>;
    auto conn = std::make_shared<HttpConnection<TlsStream>>(host, set, std::move(remote), std::move(socket), *tls);
    HttpConnection<TlsStream>::Start(std::move(conn));
  }
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string out = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return out + ":" + std::to_string(endpoint.port());
}

}  // namespace kelola::http_internal
