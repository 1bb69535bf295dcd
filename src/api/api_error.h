// The API's one error shape and the mapping from Status codes to HTTP:
//   {"error":{"code":"NOT_FOUND","message":"host \"web-9\" not found","details":{}}}
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
#include "net/http_message.h"

namespace kelola {

int HttpStatusFor(StatusCode code);
HttpResponse ErrorResponse(const Status& status);
HttpResponse ErrorResponse(const Status& status, const nlohmann::json& details);
HttpResponse JsonResponse(int http_status, const nlohmann::json& body);

}  // namespace kelola
