#include "api/run_artifact_handlers.h"

#include <fstream>
#include <memory>

#include "api/api_error.h"
#include "api/request_auth.h"
#include "pipeline/run_artifact.h"
#include "pipeline/run_queue.h"

namespace kelola {
namespace {

HttpResponse Artifact(ApiContext& ctx, HttpRequest& req, const std::string& artifacts_dir) {
  const std::string id = req.path_params["id"];
  auto run = GetRunById(ctx.store, id);
  if (!run.ok()) return ErrorResponse(run.status());
  const std::string path = req.Query("path");
  bool listed = false;
  for (const RunArtifact& a : run->artifacts) listed = listed || a.path == path;
  if (!listed) {
    return ErrorResponse(NotFoundError("run " + id + " kept no artifact \"" + path.substr(0, 200) + "\""));
  }
  auto file_path = ArtifactFilePath(artifacts_dir, id, path);
  if (!file_path.ok()) return ErrorResponse(file_path.status());
  auto in = std::make_shared<std::ifstream>(*file_path, std::ios::binary);
  if (!*in) return ErrorResponse(NotFoundError("artifact \"" + path + "\" of run " + id + " is not on this server"));
  HttpResponse r;
  r.status = 200;
  r.headers["Content-Type"] = "application/octet-stream";
  r.headers["Content-Disposition"] = "attachment";
  r.stream = [in](std::string& out) {
    out.resize(1 << 20);
    in->read(out.data(), static_cast<std::streamsize>(out.size()));
    out.resize(static_cast<size_t>(in->gcount()));
    return !out.empty();
  };
  return r;
}

}  // namespace

void RegisterRunArtifactRoutes(HttpServer& server, ApiContext& ctx, std::string artifacts_dir) {
  server.Route("GET", "/v1/runs/{id}/artifact",
               Authorized(ctx, Role::kViewer, [&ctx, artifacts_dir](HttpRequest& r, const Principal&) {
                 return Artifact(ctx, r, artifacts_dir);
               }));
}

}  // namespace kelola
