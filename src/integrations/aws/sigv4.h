// SigV4Signer: AWS Signature Version 4 — canonical request, string to sign,
// signing key (HMAC chain over date/region/service), and either the
// Authorization header (with X-Amz-Date, X-Amz-Security-Token and optionally
// x-amz-content-sha256) or a presigned query string (X-Amz-Algorithm ...
// X-Amz-Signature).
//
// It passes every case of the AWS SigV4 test suite (aws-c-auth's v4 cases,
// tests/data/aws-sigv4-test-suite; sigv4_suite_test.cc), header and query
// signing both. docs/integrations/aws.md describes the steps.
//
// Pure functions of their arguments (the time is passed in). The secret key
// only enters HMACs: nothing here logs or returns it. Errors: InvalidArgument
// when a credential, the region, the service or the request's method or Host
// header is missing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "integrations/aws/signable_request.h"

namespace kelola {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" for long-term keys
  // Where they came from, for messages ("environment",
  // "/root/.aws/credentials [dev]"); never the keys themselves.
  std::string source;
};

struct SigV4Params {
  std::string region;   // "us-east-1"
  std::string service;  // "ec2"
  WallTime time{};      // the request time (X-Amz-Date)
  // Removes "." and ".." segments and empty segments from the path before
  // encoding it (every service but S3).
  bool normalize_path = true;
  // Adds and signs an x-amz-content-sha256 header with the payload hash (the
  // suite's "sign_body"; S3 requires it, others accept it).
  bool add_content_sha256_header = false;
  // Leaves the session token out of the signature and only adds it to the
  // request (a few services want this; the suite's "omit_session_token").
  bool omit_session_token = false;
  std::chrono::seconds presign_expires{3600};  // X-Amz-Expires of a presigned URL
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
  // Header signing: the headers to add to the request, in this order
  // (X-Amz-Security-Token, X-Amz-Date, x-amz-content-sha256, Authorization).
  std::vector<std::pair<std::string, std::string>> headers;
  // Presigning: the encoded parameters to append to the query string
  // (after a '&' when it is not empty), X-Amz-Signature last.
  std::string query;
};

// Signs for the Authorization header.
Result<SigV4Signature> SignRequest(const SignableRequest& request, const AwsCredentials& credentials,
                                   const SigV4Params& params);
// Signs into the query string (a presigned URL).
Result<SigV4Signature> PresignRequest(const SignableRequest& request, const AwsCredentials& credentials,
                                      const SigV4Params& params);
// Returns the request with a signature's headers or query added.
SignableRequest ApplySignature(const SignableRequest& request, const SigV4Signature& signature);

// The pieces, exposed for tests and for callers that build their own.
std::string AwsUriEncode(std::string_view bytes, bool keep_slash);  // RFC 3986 unreserved kept, %XX upper-case
std::string CanonicalUri(std::string_view path, bool normalize);
std::string CanonicalQueryString(std::string_view raw_query);
std::string AmzDate(WallTime time);  // "20150830T123600Z"
// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyymmdd), region), service), "aws4_request")
std::string SigV4SigningKey(std::string_view secret_access_key, std::string_view yyyymmdd, std::string_view region,
                            std::string_view service);

}  // namespace kelola
