// KubeClient: the Kubernetes API over the project's HttpClient: requests
// with the connection's credentials, typed errors from the API's Status
// objects, optimistic-concurrency updates retried on 409 Conflict, and
// watches streamed line by line.
//
// TLS is always verified (the connection's CA, else the system roots). PEM
// given inline (kubeconfig *-data fields) is written to private 0600 files
// that live as long as the client. The bearer token is never logged.
//
// Errors carry the method, the path, the HTTP status and the API's own
// Status.message: 400/422 InvalidArgument, 401 Unauthenticated, 403
// PermissionDenied, 404 NotFound, 409 Aborted (conflict) or AlreadyExists,
// 410 OutOfRange (expired resourceVersion), 429 and 5xx Unavailable;
// transport failures come from HttpClient (Unavailable, DeadlineExceeded).
// Thread-safety: one client may be used from several threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "integrations/kubernetes/kube_connection.h"
#include "net/http_client.h"

namespace kelola {

struct KubeWatchEvent {
  std::string type;    // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  std::string object;  // the object's JSON (a Status for ERROR)
};

class KubeClient {
 public:
  // Reads a token file and writes inline PEM to private files.
  // InvalidArgument for an unusable connection.
  static Result<std::unique_ptr<KubeClient>> Create(const KubeConnection& connection,
                                                    HttpClientOptions http = HttpClientOptions());
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;
  ~KubeClient();

  const std::string& server() const { return server_; }

  // GET `path` ("/apis/apps/v1/namespaces/x/deployments/y"); the body of a 200.
  Result<std::string> Get(const std::string& path);
  // Any method with a body; the body of a 2xx answer.
  Result<std::string> Send(const std::string& method, const std::string& path, const std::string& body,
                           const std::string& content_type = "application/json");
  // Read-modify-write: GETs `path`, lets `mutate` turn the object's JSON into
  // the new object (keeping metadata.resourceVersion, so the server refuses
  // a stale write with 409), PUTs it; on 409 starts over from a fresh read,
  // up to `attempts` times. Returns the stored object. `*tries`, when given,
  // receives how many writes were made.
  Result<std::string> Update(const std::string& path,
                             const std::function<Result<std::string>(const std::string& current)>& mutate,
                             int attempts = 5, int* tries = nullptr);
  // Streams a watch (`path` carries ?watch=true&...). `on_event` returns
  // false to stop; OK then, and OK when the server ends the stream (its
  // timeoutSeconds). `timeout` bounds the whole stream (0 = none);
  // `keep_going` is polled about once a second while nothing arrives.
  Status Watch(const std::string& path, const std::function<bool(const KubeWatchEvent&)>& on_event,
               std::chrono::milliseconds timeout, const std::function<bool()>& keep_going = nullptr);

 private:
  KubeClient() = default;
  ClientRequest Request(const std::string& method, const std::string& path) const;

  std::string server_;
  std::string token_;
  std::vector<std::string> private_files_;
  std::unique_ptr<HttpClient> http_;
};

// The error for a non-2xx answer: code from the HTTP status, message with
// the API's Status.message when the body is one.
Status KubeApiError(const std::string& method, const std::string& path, int http_status, std::string_view body);

// Percent-encodes a query parameter value.
std::string KubeQueryEscape(std::string_view value);

}  // namespace kelola
