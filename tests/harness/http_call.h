// HttpCall: one blocking HTTP request through libcurl, over TCP or a unix
// socket (the Docker engine), for readiness checks and for driving the
// servers the harness starts. Test-only: the product's HTTP client lives in
// src/net.
//
// Thread-safety: may be called from several threads. Errors: Unavailable
// when the server cannot be reached (connection refused, socket missing),
// DeadlineExceeded on timeout, Internal for other transport failures. Any
// HTTP status is a successful call: look at HttpReply::status.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola::harness {

struct HttpRequestSpec {
  std::string method = "GET";
  std::string url;                   // "http://127.0.0.1:5000/v2/" or "http://docker/v1.41/_ping"
  std::string unix_socket;           // when set, the URL's host is ignored
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  Duration timeout = std::chrono::seconds(30);
  std::string ca_file;  // extra CA for https (the peer is always verified)
};

struct HttpReply {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // The header's value, or "" when absent; `name` in lower case.
  std::string Header(const std::string& name) const;
};

Result<HttpReply> HttpCall(const HttpRequestSpec& request);

// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& value);

// Polls `url` until it answers with `want_status` or `timeout` passes.
// Returns the last error (or "status N") on timeout as DeadlineExceeded.
Status WaitForHttp(const HttpRequestSpec& request, long want_status, Duration timeout);

}  // namespace kelola::harness
