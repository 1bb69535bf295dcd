// HttpConnection internals shared by http_server.cc and http_connection.cc.
// Not a public header: it pulls in Asio. Handlers never see anything here.
//
// One connection lives on one I/O thread (one io_context per thread), so its
// state needs no locks; the only cross-thread pieces are ServerShared (the
// stop flag and the counters Stop() waits on) and a streaming response's
// queue (see http_connection.cc).
#pragma once

#include <utility>  // before Asio: Asio 1.74's awaitable.hpp uses std::exchange unincluded

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "net/http_message.h"
#include "net/http_server.h"

namespace kelola::http_internal {

using SteadyTime = std::chrono::steady_clock::time_point;

// Outlives the server when a streaming thread is still finishing its last
// producer call, hence shared ownership.
class ServerShared {
 public:
  std::atomic<bool> stopping{false};

  void ConnectionOpened();
  void ConnectionClosed();
  // Runs `body` on a new detached thread counted until it returns; false
  // when no thread could be started.
  static bool StartStreamThread(const std::shared_ptr<ServerShared>& self, std::function<void()> body);
  // Both return true when the count reached zero before `deadline`.
  bool WaitForConnections(SteadyTime deadline);
  bool WaitForStreamThreads(SteadyTime deadline);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int live_connections_ = 0;
  int stream_threads_ = 0;
};

// What a connection needs from the server that owns it.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual const HttpServerOptions& options() const = 0;
  virtual const std::shared_ptr<ServerShared>& shared() const = 0;
  // Routes and runs the handler. Never throws; `raw_path` is the undecoded
  // path of the target; `pattern` receives the matched route ("" if none).
  virtual HttpResponse Dispatch(HttpRequest& request, std::string_view raw_path, std::string* pattern) = 0;
  // The route's FileBodyOptions when its body goes to a file, else null.
  virtual const FileBodyOptions* FileBodyFor(std::string_view method, std::string_view raw_path) const = 0;
  virtual void ReportResponse(const std::string& method, const std::string& pattern, int status, double seconds) = 0;
};

// The server's handle on a live connection; called on its I/O thread only.
class Connection {
 public:
  virtual ~Connection() = default;
  // Enforces the read/write/idle timeouts; called periodically.
  virtual void CheckDeadline(SteadyTime now) = 0;
  // Stop() began: close if idle, end a stream, else finish the current
  // request and close.
  virtual void BeginShutdown() = 0;
  // Drain timed out: close now.
  virtual void ForceClose() = 0;
};

// The connections of one I/O thread, touched only from that thread.
struct ConnectionSet {
  std::unordered_set<Connection*> live;
};

// Takes over an accepted socket and serves it on the socket's executor, which
// must be the I/O thread owning `set`. `tls` is null for plain HTTP.
// Must be called on that I/O thread.
void StartConnection(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls, ConnectionHost& host,
                     ConnectionSet& set);

// "10.0.0.1:80", "[::1]:80".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace kelola::http_internal
