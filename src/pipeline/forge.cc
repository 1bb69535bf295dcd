#include "pipeline/forge.h"

namespace kelola {

Status ForgeHttpStatus(int http_status, const std::string& what, const std::string& body) {
  if (http_status >= 200 && http_status < 300) return OkStatus();
  std::string message = what + ": HTTP " + std::to_string(http_status);
  if (!body.empty()) message += ": " + body.substr(0, 300);
  switch (http_status) {
    case 400:
    case 422: return InvalidArgumentError(message);
    case 401: return UnauthenticatedError(message);
    case 403: return PermissionDeniedError(message);
    case 404: return NotFoundError(message);
    case 429: return ResourceExhaustedError(message);
    default: return http_status >= 500 ? UnavailableError(message) : InternalError(message);
  }
}

}  // namespace kelola
