#include "integrations/aws/aws_query_client.h"

#include <random>
#include <thread>

#include "base/backoff.h"

namespace kelola {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool OneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (auto c : codes) {
    if (code == c) return true;
  }
  return false;
}

double Random01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Splits "http://host:port/path" into authority and path.
void SplitEndpoint(const std::string& endpoint, std::string& host, std::string& path) {
  std::string_view rest(endpoint);
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  const size_t slash = rest.find('/');
  host = std::string(rest.substr(0, slash));
  path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
}

}  // namespace

std::string EncodeAwsQueryForm(const std::string& action, const std::string& version, const AwsQueryParams& params) {
  std::string body = "Action=" + AwsUriEncode(action, false) + "&Version=" + AwsUriEncode(version, false);
  for (const auto& [key, value] : params) body += "&" + AwsUriEncode(key, false) + "=" + AwsUriEncode(value, false);
  return body;
}

bool IsRetryableAwsError(int http_status, const std::string& code) {
  if (http_status >= 500) return true;
  return OneOf(code,
               {"RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled",
                "TooManyRequestsException", "ServiceUnavailable", "Unavailable", "InternalError", "InternalFailure"});
}

Status MapAwsQueryError(const std::string& action, int http_status, const Ec2Error& error) {
  std::string message = action + ": " + (error.code.empty() ? "HTTP " + std::to_string(http_status) : error.code);
  if (!error.message.empty()) message += ": " + error.message;
  if (!error.request_id.empty()) message += " (request id " + error.request_id + ")";
  const std::string& code = error.code;
  if (OneOf(code, {"AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "MissingAuthenticationToken",
                   "IncompleteSignature", "ExpiredToken", "RequestExpired", "InvalidAccessKeyId",
                   "UnrecognizedClientException", "InvalidToken"}) ||
      http_status == 401) {
    return UnauthenticatedError(message);
  }
  if (OneOf(code, {"UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "OptInRequired", "Blocked"}) ||
      http_status == 403) {
    return PermissionDeniedError(message);
  }
  if (IsRetryableAwsError(http_status, code)) return UnavailableError(message);
  if (EndsWith(code, "LimitExceeded") ||
      OneOf(code,
            {"InsufficientInstanceCapacity", "InsufficientFreeAddressesInSubnet", "InsufficientAddressCapacity"})) {
    return ResourceExhaustedError(message);
  }
  if (EndsWith(code, ".NotFound") || EndsWith(code, "NotFound") || code == "NoSuchEntity") {
    return NotFoundError(message);
  }
  if (EndsWith(code, ".Duplicate") || EndsWith(code, "AlreadyExists") || code == "EntityAlreadyExists") {
    return AlreadyExistsError(message);
  }
  if (OneOf(code, {"DependencyViolation", "IncorrectState", "IncorrectInstanceState", "Resource.AlreadyAssociated"}) ||
      EndsWith(code, "InUse")) {
    return FailedPreconditionError(message);
  }
  return InvalidArgumentError(message);
}

AwsQueryClient::AwsQueryClient(AwsQueryClientOptions options, AwsCredentials credentials)
    : options_(std::move(options)), credentials_(std::move(credentials)), http_(options_.http) {
  SplitEndpoint(options_.endpoint, host_, path_);
  if (!options_.sleep) options_.sleep = [](Duration d) { std::this_thread::sleep_for(d); };
}

AwsQueryClient::~AwsQueryClient() = default;

Result<ClientResponse> AwsQueryClient::SendOnce(const std::string& body) {
  SignableRequest request;
  request.method = "POST";
  request.path = path_;
  request.headers = {{"Host", host_}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = body;
  SigV4Params params{.region = options_.region, .service = options_.service, .time = SystemClock().Now()};
  KELOLA_ASSIGN_OR_RETURN(SigV4Signature sig, SignRequest(request, credentials_, params));
  ClientRequest http;
  http.method = "POST";
  http.url = options_.endpoint;
  for (const auto& [name, value] : request.headers) http.headers[name] = value;
  for (const auto& [name, value] : sig.headers) http.headers[name] = value;
  http.body = body;
  http.retry = false;  // retried here, re-signed, with AWS's own error codes
  return http_.Send(http);
}

Result<std::string> AwsQueryClient::Call(const std::string& action, const AwsQueryParams& params,
                                         const AwsCallOptions& call) {
  const std::string body = EncodeAwsQueryForm(action, options_.version, params);
  const MonoTime started = SystemClock().Monotonic();
  Status last = OkStatus();
  for (int attempt = 0; attempt < std::max(1, options_.max_attempts); ++attempt) {
    if (attempt > 0) {
      options_.sleep(BackoffDelay(attempt - 1, options_.initial_backoff, options_.max_backoff, Random01()));
    }
    {
      std::lock_guard lock(mu_);
      ++counts_[action];
    }
    auto response = SendOnce(body);
    if (!response.ok()) {
      last = Status(response.status().code(), action + ": " + response.status().message());
      if (response.status().code() == StatusCode::kUnavailable ||
          response.status().code() == StatusCode::kDeadlineExceeded) {
        continue;
      }
      return last;
    }
    if (response->status >= 200 && response->status < 300) return std::move(response->body);
    const Ec2Error error = ParseEc2Error(response->body).value_or(Ec2Error{});
    last = MapAwsQueryError(action, response->status, error);
    if (IsRetryableAwsError(response->status, error.code)) continue;
    if (last.code() == StatusCode::kNotFound && call.not_found_grace > Duration::zero() &&
        SystemClock().Monotonic() - started < call.not_found_grace) {
      continue;
    }
    return last;
  }
  return last;
}

std::map<std::string, int> AwsQueryClient::CallCounts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

int AwsQueryClient::TotalCalls() const {
  std::lock_guard lock(mu_);
  int total = 0;
  for (const auto& [action, n] : counts_) total += n;
  return total;
}

void AwsQueryClient::ResetCallCounts() {
  std::lock_guard lock(mu_);
  counts_.clear();
}

}  // namespace kelola
