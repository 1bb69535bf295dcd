#include "api/execution_handlers.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/api_object.h"
#include "api/file_handlers.h"
#include "api/request_auth.h"
#include "base/crypto.h"
#include "exec/execution_service.h"

namespace kelola {
namespace {

using json = nlohmann::json;

Result<ExecutionRequest> DecodeRequest(const json& doc, const std::string& files_dir) {
  KELOLA_RETURN_IF_ERROR(ValidateAgainstSchema(ExecutionRequestSchema(), doc, ""));
  ExecutionRequest r;
  r.selector = doc.value("selector", "");
  if (doc.contains("names")) r.names = doc["names"].get<std::vector<std::string>>();
  r.command = doc.value("command", "");
  r.script = doc.value("script", "");
  r.runbook_yaml = doc.value("runbook", "");
  if (doc.contains("copy")) {
    const json& c = doc["copy"];
    r.copy_dest = c.value("dest", "");
    r.copy_mode = static_cast<unsigned>(c.value("mode", 0644));
    if (r.copy_dest.empty()) return InvalidArgumentError("copy.dest: required");
    if (c.contains("file") && c.contains("content")) {
      return InvalidArgumentError("copy: give either content or file, not both");
    }
    if (c.contains("file")) {
      auto hex = ParseFileDigest(c.value("file", ""));
      if (!hex.ok()) return hex.status().WithContext("copy.file");
      r.copy_file = StoredFilePath(files_dir, *hex);
      struct stat st {};
      if (files_dir.empty() || ::stat(r.copy_file.c_str(), &st) != 0) {
        return FailedPreconditionError(
            "copy.file: sha256:" + *hex +
            " is not stored on the server; upload it first with PUT /v1/files/sha256:" + *hex);
      }
      r.copy_sha256 = *hex;
      r.copy_bytes = static_cast<uint64_t>(st.st_size);
    } else {
      auto content = Base64Decode(c.value("content", ""));
      if (!content.ok()) return InvalidArgumentError("copy.content: not valid base64");
      r.copy_content = std::move(*content);
    }
  }
  r.sudo = doc.value("sudo", false);
  r.timeout_seconds = doc.value("timeoutSeconds", int64_t{0});
  r.serial = doc.value("serial", "");
  r.max_fail_percentage = static_cast<double>(doc.value("maxFailPercentage", 100));
  r.max_parallel = doc.value("maxParallel", 64);
  KELOLA_RETURN_IF_ERROR(ValidateExecutionRequest(r));
  return r;
}

HttpResponse Create(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  if (!ctx.executions) return ErrorResponse(UnavailableError("remote execution is not configured on this server"));
  auto doc = ParseJsonBody(req.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  auto request = DecodeRequest(*doc, ctx.files_dir);
  if (!request.ok()) return ErrorResponse(request.status());
  auto id = ctx.executions->Start(*request, who.Actor());
  if (!id.ok()) return ErrorResponse(id.status());
  auto stored = ctx.store.GetResource("Execution", *id);
  if (!stored.ok()) return ErrorResponse(stored.status());
  HttpResponse r = JsonResponse(202, EncodeResource(*stored, *ctx.kinds.FindByPlural("executions")));
  r.headers["Location"] = "/v1/executions/" + *id;
  return r;
}

}  // namespace

void RegisterExecutionRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("POST", "/v1/executions", Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) {
                 return Create(ctx, r, p);
               }));
}

}  // namespace kelola
