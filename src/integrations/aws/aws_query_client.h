// AwsQueryClient: one AWS "Query" protocol endpoint (EC2, IAM, STS): form
// POSTs of Action=...&Version=...&params, signed with SigV4, over the
// project's HttpClient; XML answers. Errors are mapped to Status
// (MapAwsQueryError) and the retryable ones retried with full-jitter
// backoff: RequestLimitExceeded/Throttling, 5xx, connection failures; a
// "*.NotFound" only within a call's `not_found_grace` (EC2's eventual
// consistency just after a create). Every HTTP attempt is counted per
// action (CallCounts), for benchmarks and tests.
//
// Credentials are read once, at construction, and never logged; error
// messages carry the action, the AWS error code and message and the
// request id. Thread-safe: calls may run concurrently.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "integrations/aws/ec2_responses.h"
#include "integrations/aws/sigv4.h"
#include "net/http_client.h"

namespace kelola {

struct AwsQueryClientOptions {
  std::string service;   // "ec2", "iam", "sts": the SigV4 service name
  std::string version;   // "2016-11-15"
  std::string region;    // "us-east-1"
  std::string endpoint;  // "https://ec2.us-east-1.amazonaws.com"; a moto URL in tests
  int max_attempts = 5;  // per call, the first included
  Duration initial_backoff = std::chrono::milliseconds(200);
  Duration max_backoff = std::chrono::seconds(10);
  HttpClientOptions http;
  // Waits between retries; tests pass a no-op to run without real delays.
  std::function<void(Duration)> sleep;
};

using AwsQueryParams = std::vector<std::pair<std::string, std::string>>;

struct AwsCallOptions {
  // Retry "*.NotFound" for this long (0 = never): a resource created a
  // moment ago may not be visible to every endpoint yet.
  Duration not_found_grace{0};
};

class AwsQueryClient {
 public:
  AwsQueryClient(AwsQueryClientOptions options, AwsCredentials credentials);
  ~AwsQueryClient();

  // The answer's body (XML) on a 2xx; else the mapped error.
  Result<std::string> Call(const std::string& action, const AwsQueryParams& params, const AwsCallOptions& call = {});

  // HTTP attempts so far, by action, and their total.
  std::map<std::string, int> CallCounts() const;
  int TotalCalls() const;
  void ResetCallCounts();

  const AwsQueryClientOptions& options() const { return options_; }

 private:
  Result<ClientResponse> SendOnce(const std::string& body);

  AwsQueryClientOptions options_;
  AwsCredentials credentials_;
  std::string host_;  // the endpoint's authority, signed as Host
  std::string path_;
  HttpClient http_;
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;
};

// Maps an AWS error to a Status:
//   AuthFailure, InvalidClientTokenId, SignatureDoesNotMatch, ... -> Unauthenticated
//   UnauthorizedOperation, AccessDenied, OptInRequired            -> PermissionDenied
//   RequestLimitExceeded, Throttling, 5xx                          -> Unavailable (retried)
//   *LimitExceeded, InsufficientInstanceCapacity                   -> ResourceExhausted
//   *.NotFound                                                     -> NotFound
//   *.Duplicate, *AlreadyExists                                    -> AlreadyExists
//   DependencyViolation, IncorrectState, *InUse                    -> FailedPrecondition
//   other 4xx                                                      -> InvalidArgument
Status MapAwsQueryError(const std::string& action, int http_status, const Ec2Error& error);
// True for the errors Call() retries (throttling and server-side failures).
bool IsRetryableAwsError(int http_status, const std::string& code);

// "a=1&b=x%20y": the form body, every key and value URI-encoded.
std::string EncodeAwsQueryForm(const std::string& action, const std::string& version, const AwsQueryParams& params);

}  // namespace kelola
