#include "api/file_handlers.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/request_auth.h"
#include "base/crypto.h"

namespace kelola {
namespace {

using json = nlohmann::json;

HttpResponse Describe(int status, const std::string& hex, uint64_t bytes) {
  return JsonResponse(status, {{"digest", "sha256:" + hex}, {"bytes", bytes}});
}

HttpResponse Put(ApiContext& ctx, HttpRequest& req) {
  auto hex = ParseFileDigest(req.path_params["digest"]);
  if (!hex.ok()) return ErrorResponse(hex.status());
  const std::string stored = StoredFilePath(ctx.files_dir, *hex);
  struct stat st {};
  if (::stat(stored.c_str(), &st) == 0) return Describe(200, *hex, static_cast<uint64_t>(st.st_size));
  if (req.body_file.empty()) {
    // An empty body never reached a file.
    if (*hex != Sha256Hex("")) {
      return HttpResponse::Error(400, "DIGEST_MISMATCH", "the body is empty, its sha256 is not " + *hex);
    }
    std::FILE* f = std::fopen(stored.c_str(), "wb");
    if (f == nullptr || std::fclose(f) != 0) return ErrorResponse(InternalError("cannot write " + stored));
    return Describe(201, *hex, 0);
  }
  auto got = Sha256HexOfFile(req.body_file);
  if (!got.ok()) return ErrorResponse(got.status());
  if (*got != *hex) {
    return HttpResponse::Error(400, "DIGEST_MISMATCH",
                               "the body's sha256 is " + *got + ", not " + *hex + " as the path says");
  }
  const int fd = ::open(req.body_file.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) return ErrorResponse(InternalError("cannot sync the uploaded file"));
  if (std::rename(req.body_file.c_str(), stored.c_str()) != 0) {
    return ErrorResponse(InternalError("cannot store the uploaded file as " + stored));
  }
  return Describe(201, *hex, req.body_bytes);
}

HttpResponse Get(ApiContext& ctx, HttpRequest& req) {
  auto hex = ParseFileDigest(req.path_params["digest"]);
  if (!hex.ok()) return ErrorResponse(hex.status());
  struct stat st {};
  if (::stat(StoredFilePath(ctx.files_dir, *hex).c_str(), &st) != 0) {
    return ErrorResponse(NotFoundError("file sha256:" + *hex + " is not stored"));
  }
  return Describe(200, *hex, static_cast<uint64_t>(st.st_size));
}

HttpResponse Delete(ApiContext& ctx, HttpRequest& req) {
  auto hex = ParseFileDigest(req.path_params["digest"]);
  if (!hex.ok()) return ErrorResponse(hex.status());
  if (::unlink(StoredFilePath(ctx.files_dir, *hex).c_str()) != 0) {
    return ErrorResponse(NotFoundError("file sha256:" + *hex + " is not stored"));
  }
  return HttpResponse{.status = 204};
}

}  // namespace

Result<std::string> ParseFileDigest(const std::string& digest) {
  constexpr std::string_view kPrefix = "sha256:";
  const bool shaped = digest.size() == kPrefix.size() + 64 && digest.compare(0, kPrefix.size(), kPrefix) == 0 &&
                      digest.find_first_not_of("0123456789abcdef", kPrefix.size()) == std::string::npos;
  if (!shaped) {
    return InvalidArgumentError("file digest must be sha256: followed by 64 lower-case hex digits, got \"" +
                                digest.substr(0, 80) + "\"");
  }
  return digest.substr(kPrefix.size());
}

std::string StoredFilePath(const std::string& files_dir, const std::string& hex) {
  return files_dir + "/sha256-" + hex;
}

void RegisterFileRoutes(HttpServer& server, ApiContext& ctx) {
  if (ctx.files_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(ctx.files_dir, ec);
  // Only operators may make the server write a file, even a temporary one.
  FileBodyOptions body{.dir = ctx.files_dir, .max_bytes = ctx.max_file_bytes, .admit = [&ctx](HttpRequest& r) {
                         return RefuseUnauthorized(ctx, r, Role::kOperator);
                       }};
  server.Route("PUT", "/v1/files/{digest}", body,
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal&) { return Put(ctx, r); }));
  server.Route("GET", "/v1/files/{digest}",
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal&) { return Get(ctx, r); }));
  server.Route("DELETE", "/v1/files/{digest}",
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal&) { return Delete(ctx, r); }));
}

}  // namespace kelola
