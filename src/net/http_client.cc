#include "net/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/http_token.h"
#include "net/backoff.h"

namespace kelola {
namespace {

// Idle easy handles kept per client; each keeps its connections alive.
constexpr size_t kMaxIdleHandles = 16;
// The body of a failed (status >= 300) stream is returned, not streamed.
constexpr size_t kMaxStreamErrorBody = 64 * 1024;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool CurlUsesOpenSsl() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  return info != nullptr && info->ssl_version != nullptr &&
         std::string_view(info->ssl_version).substr(0, 7) == "OpenSSL";
}

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// "GET http://host/path" for error messages; the query string is dropped
// because it may carry tokens.
std::string Describe(const ClientRequest& request) {
  std::string_view url = request.url;
  url = url.substr(0, url.find_first_of("?#"));
  return request.method + " " + std::string(url);
}

bool IsRetryableTransportError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR: return true;
    default: return false;
  }
}

Status MapCurlError(CURLcode code, const char* error_buffer, const std::string& what) {
  std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  std::string message = what + ": " + detail;
  if (IsRetryableTransportError(code)) return UnavailableError(message);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return DeadlineExceededError(what + ": timed out: " + detail);
    case CURLE_PEER_FAILED_VERIFICATION:
      return UnavailableError(what + ": TLS certificate verification failed: " + detail);
    case CURLE_SSL_CACERT_BADFILE: return InvalidArgumentError(what + ": cannot load the CA file: " + detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT: return InvalidArgumentError(message);
    case CURLE_OUT_OF_MEMORY: return ResourceExhaustedError(message);
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY: return UnavailableError(message);
    default: return UnknownError(message);
  }
}

double Random01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Per-transfer state the curl callbacks write into.
struct Transfer {
  CURL* curl = nullptr;
  ClientResponse response;
  const std::function<bool(std::string_view)>* on_line = nullptr;  // Stream() only
  bool raw_chunks = false;                                         // StreamBytes(): on_line gets chunks
  std::string pending_line;
  bool stopped_by_caller = false;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line = Trim(std::string_view(data, n));
  if (line.substr(0, 5) == "HTTP/") {
    // A new header block (after a 100 Continue, say): only the last counts.
    t->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;
  std::string name(Trim(line.substr(0, colon)));
  std::string_view value = Trim(line.substr(colon + 1));
  auto [it, inserted] = t->response.headers.emplace(std::move(name), std::string(value));
  if (!inserted) {
    it->second += ", ";
    it->second += value;
  }
  return n;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->response.body.append(data, n);
  return n;
}

bool DeliverLine(Transfer* t, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!(*t->on_line)(line)) {
    t->stopped_by_caller = true;
    return false;
  }
  return true;
}

size_t OnStreamBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) {
    // An error answer is a document to return, not lines to hand out.
    const size_t room = kMaxStreamErrorBody - std::min(kMaxStreamErrorBody, t->response.body.size());
    t->response.body.append(data, std::min(n, room));
    return n;
  }
  std::string_view chunk(data, n);
  if (t->raw_chunks) {
    if (!(*t->on_line)(chunk)) {
      t->stopped_by_caller = true;
      return 0;
    }
    return n;
  }
  while (!chunk.empty()) {
    const size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      t->pending_line.append(chunk);
      break;
    }
    bool keep_going;
    if (t->pending_line.empty()) {
      keep_going = DeliverLine(t, chunk.substr(0, nl));
    } else {
      t->pending_line.append(chunk.substr(0, nl));
      keep_going = DeliverLine(t, t->pending_line);
      t->pending_line.clear();
    }
    if (!keep_going) return 0;  // makes curl abort with CURLE_WRITE_ERROR
    chunk.remove_prefix(nl + 1);
  }
  return n;
}

CURLcode AddCaFile(CURL*, void* ssl_ctx, void* user) {
  const auto* path = static_cast<const std::string*>(user);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  return X509_STORE_load_file(store, path->c_str()) == 1 ? CURLE_OK : CURLE_SSL_CACERT_BADFILE;
}

size_t ReadBodyFile(char* buffer, size_t size, size_t count, void* user) {
  auto* file = static_cast<std::FILE*>(user);
  const size_t n = std::fread(buffer, 1, size * count, file);
  if (n == 0 && std::ferror(file)) return CURL_READFUNC_ABORT;
  return n;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* keep_going = static_cast<const std::function<bool()>*>(user);
  return (*keep_going)() ? 0 : 1;  // non-zero aborts with CURLE_ABORTED_BY_CALLBACK
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

}  // namespace

class HttpClient::Impl {
 public:
  explicit Impl(HttpClientOptions options) : options_(std::move(options)) { GlobalInitOnce(); }

  ~Impl() {
    for (CURL* c : idle_) curl_easy_cleanup(c);
  }

  Result<ClientResponse> Send(const ClientRequest& request) {
    const bool may_retry = request.retry.value_or(IsIdempotent(request.method));
    const int attempts = may_retry ? 1 + std::max(0, options_.max_retries) : 1;
    for (int attempt = 0;; ++attempt) {
      CURLcode code = CURLE_OK;
      Result<ClientResponse> result = Perform(request, nullptr, &code);
      if (attempt + 1 >= attempts) return result;
      std::optional<Duration> hint;
      if (!result.ok()) {
        if (!IsRetryableTransportError(code)) return result;
      } else {
        if (!IsRetryableHttpStatus(result->status)) return result;
        auto it = result->headers.find("Retry-After");
        if (it != result->headers.end()) hint = ParseRetryAfter(it->second, SystemClock().Now());
      }
      const Duration max_backoff = options_.max_backoff;
      const Duration delay = hint ? std::min(*hint, max_backoff)
                                  : BackoffDelay(attempt, options_.initial_backoff, max_backoff, Random01());
      // Real time on purpose: the server on the other end lives in it.
      std::this_thread::sleep_for(delay);
    }
  }

  Result<ClientResponse> Stream(const ClientRequest& request, const std::function<bool(std::string_view)>& on_line,
                                bool raw_chunks) {
    CURLcode code = CURLE_OK;
    return Perform(request, &on_line, &code, raw_chunks);
  }

 private:
  struct HandleDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
  };
  using Handle = std::unique_ptr<CURL, HandleDeleter>;

  Handle Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* c = idle_.back();
        idle_.pop_back();
        return Handle(c);
      }
    }
    return Handle(curl_easy_init());
  }

  void Release(Handle h) {
    // Forget every pointer into the finished transfer; live connections and
    // caches stay with the handle for the next request.
    curl_easy_reset(h.get());
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(h.release());
  }

  Status Validate(const ClientRequest& request) const {
    if (!IsHttpToken(request.method)) {
      return InvalidArgumentError("HTTP method \"" + request.method + "\" is not a valid token");
    }
    if (request.url.empty()) return InvalidArgumentError("request URL is empty");
    if (request.url.find_first_of("\r\n ") != std::string::npos) {
      return InvalidArgumentError("request URL contains whitespace or a line break");
    }
    for (const auto& [name, value] : request.headers) {
      if (!IsHttpToken(name)) {
        return InvalidArgumentError("request header name \"" + name + "\" is not a valid token");
      }
      if (value.find_first_of("\r\n") != std::string::npos) {
        return InvalidArgumentError("request header " + name + " contains a line break");
      }
    }
    if (!request.body.empty() && (request.method == "GET" || request.method == "HEAD")) {
      return InvalidArgumentError(Describe(request) + ": a body is not supported on " + request.method);
    }
    return OkStatus();
  }

  // One attempt. `on_line` set means streaming. `code` receives curl's result.
  Result<ClientResponse> Perform(const ClientRequest& request, const std::function<bool(std::string_view)>* on_line,
                                 CURLcode* code, bool raw_chunks = false) {
    KELOLA_RETURN_IF_ERROR(Validate(request));
    std::unique_ptr<std::FILE, FileCloser> body_file;
    curl_off_t body_file_size = 0;
    if (!request.body_file.empty()) {
      body_file.reset(std::fopen(request.body_file.c_str(), "rbe"));
      struct stat st {};
      if (!body_file || ::fstat(fileno(body_file.get()), &st) != 0) {
        return NotFoundError(Describe(request) + ": cannot open the body file " + request.body_file);
      }
      body_file_size = static_cast<curl_off_t>(st.st_size);
    }
    Handle handle = Acquire();
    if (!handle) return InternalError("curl_easy_init failed");
    CURL* c = handle.get();
    Transfer t;
    t.curl = c;
    t.on_line = on_line;
    t.raw_chunks = raw_chunks;
    char error_buffer[CURL_ERROR_SIZE] = {0};

    Slist headers;
    auto add_header = [&headers](const std::string& line) {
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next != nullptr) {
        (void)headers.release();
        headers.reset(next);
      }
    };
    for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
    // curl waits up to a second for "100 Continue" before sending large
    // bodies; our servers do not need the round trip.
    add_header("Expect:");
    const bool has_body =
        !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (has_body && request.headers.find("Content-Type") == request.headers.end()) {
      add_header("Content-Type:");  // stops curl's form-urlencoded default
    }

    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    // Streams run until the caller or the server ends them unless the
    // request itself sets a limit.
    const std::chrono::milliseconds timeout =
        request.timeout.count() > 0 ? request.timeout
                                    : (on_line != nullptr ? std::chrono::milliseconds(0) : options_.timeout);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    if (!options_.unix_socket.empty()) {
      curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, options_.unix_socket.c_str());
    }
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_file.empty()) {
      if (CurlUsesOpenSsl()) {
        // Adds to the system roots instead of replacing them (CAINFO would).
        curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, &AddCaFile);
        curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &options_.ca_file);
      } else {
        curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
      }
    }
    if (!options_.client_cert_file.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, options_.client_cert_file.c_str());
      curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!options_.client_key_file.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLKEY, options_.client_key_file.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }

    if (request.method == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
      if (body_file) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadBodyFile);
        curl_easy_setopt(c, CURLOPT_READDATA, body_file.get());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, body_file_size);
      } else if (has_body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      }
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (request.keep_going) {
      curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
      curl_easy_setopt(c, CURLOPT_XFERINFODATA, &request.keep_going);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_line != nullptr ? &OnStreamBody : &OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);

    *code = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    const CURLcode result = *code;
    const std::string what = Describe(request);
    Status failure;
    if (result == CURLE_ABORTED_BY_CALLBACK && request.keep_going) {
      failure = CancelledError(what + ": cancelled");
    } else if (result != CURLE_OK && !(result == CURLE_WRITE_ERROR && t.stopped_by_caller)) {
      failure = MapCurlError(result, error_buffer, what);
    }
    Release(std::move(handle));
    if (!failure.ok()) return failure;

    if (on_line != nullptr && !raw_chunks && !t.stopped_by_caller && !t.pending_line.empty() && status < 300) {
      DeliverLine(&t, t.pending_line);
    }
    t.response.status = static_cast<int>(status);
    return std::move(t.response);
  }

  const HttpClientOptions options_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // guarded by mu_
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Send(const ClientRequest& request) { return impl_->Send(request); }

Result<ClientResponse> HttpClient::Stream(const ClientRequest& request,
                                          const std::function<bool(std::string_view line)>& on_line) {
  return impl_->Stream(request, on_line, /*raw_chunks=*/false);
}

Result<ClientResponse> HttpClient::StreamBytes(const ClientRequest& request,
                                               const std::function<bool(std::string_view chunk)>& on_chunk) {
  return impl_->Stream(request, on_chunk, /*raw_chunks=*/true);
}

}  // namespace kelola
