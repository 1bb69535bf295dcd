#include "api/simulate_handlers.h"

#include "api/api_error.h"
#include "api/request_auth.h"
#include "api/simulate_request.h"

namespace kelola {

void RegisterSimulateRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("POST", "/v1/scale/simulate", Authorized(ctx, Role::kViewer, [](HttpRequest& req, const Principal&) {
                 auto request = DecodeSimulateRequest(req.body);
                 if (!request.ok()) return ErrorResponse(request.status());
                 auto answer = RunSimulation(*request);
                 if (!answer.ok()) return ErrorResponse(answer.status());
                 return HttpResponse::Json(200, std::move(*answer));
               }));
}

}  // namespace kelola
