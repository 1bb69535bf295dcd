// SignableRequest: an HTTP request as the SigV4 signer sees it — method,
// path and query exactly as on the request line, headers in order with
// duplicates, body — and its text form ("GET /?a=b HTTP/1.1\nHost:x\n\nbody"),
// the format of the AWS SigV4 test suite's request files.
//
// The parser takes outside input (the suite's files; fuzzed by
// fuzz/aws_sigv4_request_fuzz.cc): every malformed input is an
// InvalidArgument naming the line, never a crash. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace kelola {

struct SignableRequest {
  std::string method;  // "GET"
  // The path as sent, before any '?'; the signer URI-encodes it once more
  // (SigV4's "double encoding" for every service but S3).
  std::string path = "/";
  std::string query;  // the raw text after the first '?', without it; "" when none
  // Names as written; values exactly as after the ':' (leading blanks and
  // folded continuation lines included): the signer trims them.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of a header (case-insensitive name); "" when absent.
  std::string Header(std::string_view name) const;
};

// Parses "METHOD TARGET HTTP/x.y" then "Name:value" lines (a line starting
// with a blank continues the previous value), an empty line, and the body.
// Lines end in "\n" or "\r\n". Without an empty line the body is empty.
Result<SignableRequest> ParseSignableRequest(std::string_view text);

// The inverse: "METHOD PATH[?QUERY] HTTP/1.1\n", a "Name:value\n" line per
// header, "\n", the body.
std::string RenderSignableRequest(const SignableRequest& request);

}  // namespace kelola
