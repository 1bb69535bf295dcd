#include "api/api_error.h"

#include <nlohmann/json.hpp>

namespace kelola {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kAborted: return 409;
    case StatusCode::kFailedPrecondition: return 422;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kCancelled: return 499;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
    case StatusCode::kUnknown: return 500;
  }
  return 500;
}

HttpResponse JsonResponse(int http_status, const nlohmann::json& body) {
  return HttpResponse::Json(http_status, body.dump());
}

HttpResponse ErrorResponse(const Status& status, const nlohmann::json& details) {
  nlohmann::json body = {
      {"error",
       {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}, {"details", details}}}};
  HttpResponse r = JsonResponse(HttpStatusFor(status.code()), body);
  if (status.code() == StatusCode::kUnauthenticated) r.headers["WWW-Authenticate"] = "Bearer realm=\"kelola\"";
  return r;
}

HttpResponse ErrorResponse(const Status& status) { return ErrorResponse(status, nlohmann::json::object()); }

}  // namespace kelola
