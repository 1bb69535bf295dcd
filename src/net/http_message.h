// HttpRequest / HttpResponse: plain values exchanged between the HTTP server
// and handlers. Deliberately free of Beast types so handlers (src/api) never
// include Boost.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kelola {

// Header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using HeaderMap = std::map<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  std::string method;                              // "GET"
  std::string target;                              // raw request target: "/v1/hosts?limit=10"
  std::string path;                                // percent-decoded path: "/v1/hosts"
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> path_params;  // from the route pattern
  HeaderMap headers;
  std::string body;
  // Routes with FileBodyOptions only: the file holding the body ("" when the
  // request had none) and its size. `body` stays empty.
  std::string body_file;
  uint64_t body_bytes = 0;
  std::string remote_address;  // "127.0.0.1:53122"

  // Returns the header value or "" when absent.
  std::string Header(std::string_view name) const;
  // Returns the query parameter or `fallback`.
  std::string Query(const std::string& name, const std::string& fallback = "") const;
};

// A streaming body: called repeatedly on a dedicated thread; appends the next
// chunk to `out` and returns true, or returns false when the stream ends.
// It should block no longer than about a second so that shutdown and client
// disconnects are noticed (return true with an empty chunk to keep waiting).
using StreamProducer = std::function<bool(std::string& out)>;

struct HttpResponse {
  int status = 200;
  HeaderMap headers;
  std::string body;
  StreamProducer stream;  // when set, `body` is ignored and the response is chunked

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  // The API's error shape, also used by the server for 4xx it generates:
  // {"error":{"code":"NOT_FOUND","message":"...","details":{}}}.
  static HttpResponse Error(int status, std::string_view code, std::string_view message);
};

// Percent-decoding for paths and query strings ('+' means space only in queries).
std::string PercentDecode(std::string_view in, bool plus_is_space);
std::string PercentEncode(std::string_view in);
// Parses "a=1&b=two" into a map (decoded; a repeated key keeps its last value).
std::map<std::string, std::string> ParseQueryString(std::string_view query);

}  // namespace kelola
