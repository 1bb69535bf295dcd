#include "integrations/docker/docker_client.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "integrations/docker/image_reference.h"

namespace kelola::docker {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Engine paths carry image names and IDs; refuse anything that could change
// the request's meaning ("..", "?", "#", spaces).
Status CheckPathPart(const std::string& s, const std::string& what) {
  if (s.empty() || s.size() > 512) return InvalidArgumentError(what + " is empty or too long");
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == ':' || c == '/' || c == '@';
    if (!ok) return InvalidArgumentError(what + " \"" + s + "\" holds a character not allowed in image names");
  }
  if (s.find("..") != std::string::npos) return InvalidArgumentError(what + " \"" + s + "\" holds \"..\"");
  return OkStatus();
}

// Classifies an error a registry push or pull reported inside the stream.
Status RegistryStreamError(const std::string& what, const std::string& message) {
  const std::string text = what + ": " + message;
  auto has = [&](const char* s) { return message.find(s) != std::string::npos; };
  if (has("unauthorized") || has("denied") || has("authentication required") || has("no basic auth")) {
    return PermissionDeniedError(text);
  }
  if (has("connection refused") || has("no such host") || has("dial tcp") || has("i/o timeout") ||
      has("connection reset") || has("server gave HTTP response to HTTPS client") || has("timeout")) {
    return UnavailableError(text);
  }
  if (has("does not exist") || has("not found")) return NotFoundError(text);
  return UnknownError(text);
}

}  // namespace

std::string LowerApiVersion(const std::string& a, const std::string& b) {
  auto parse = [](const std::string& v) {
    int major = 0, minor = 0;
    std::sscanf(v.c_str(), "%d.%d", &major, &minor);
    return std::pair<int, int>{major, minor};
  };
  return parse(a) <= parse(b) ? a : b;
}

std::string EngineErrorMessage(const std::string& body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    auto it = doc.find("message");
    if (it != doc.end() && it->is_string()) return it->get<std::string>();
  }
  std::string text = body.substr(0, 1000);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string RegistryAuthHeader(const RegistryCredentials& credentials) {
  json auth = json::object();
  if (!credentials.empty()) {
    auth["username"] = credentials.username;
    auth["password"] = credentials.password;
    if (!credentials.server_address.empty()) auth["serveraddress"] = credentials.server_address;
  }
  // base64url with padding, as the engine decodes it (base64.URLEncoding).
  std::string encoded = Base64Encode(Dump(auth));
  for (char& c : encoded) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return encoded;
}

Result<std::unique_ptr<DockerClient>> DockerClient::Connect(const DockerClientOptions& options) {
  HttpClientOptions http_options;
  http_options.unix_socket = options.socket_path;
  http_options.timeout = options.request_timeout;
  http_options.connect_timeout = std::chrono::seconds(5);
  http_options.max_retries = 2;
  auto http = std::make_unique<HttpClient>(http_options);
  ClientRequest ping;
  ping.url = "http://docker/_ping";
  auto reply = http->Send(ping);
  if (!reply.ok()) {
    return UnavailableError("Docker engine at unix://" + options.socket_path +
                            " does not answer: " + reply.status().message());
  }
  if (reply->status != 200) {
    return UnavailableError("Docker engine /_ping answered HTTP " + std::to_string(reply->status));
  }
  auto version = reply->headers.find("Api-Version");
  if (version == reply->headers.end() || version->second.empty()) {
    return InternalError("Docker engine /_ping answered without an Api-Version header");
  }
  return std::unique_ptr<DockerClient>(
      new DockerClient(std::move(http), LowerApiVersion(version->second, kMaxApiVersion), options));
}

Result<ClientResponse> DockerClient::Call(const std::string& method, const std::string& path, const std::string& body,
                                          HeaderMap headers) {
  ClientRequest request;
  request.method = method;
  request.url = Url(path);
  request.body = body;
  request.headers = std::move(headers);
  if (!body.empty() && request.headers.find("Content-Type") == request.headers.end()) {
    request.headers["Content-Type"] = "application/json";
  }
  auto reply = http_->Send(request);
  if (!reply.ok()) {
    return Status(reply.status().code() == StatusCode::kDeadlineExceeded ? StatusCode::kDeadlineExceeded
                                                                         : StatusCode::kUnavailable,
                  "Docker engine: " + reply.status().message());
  }
  return reply;
}

Status DockerClient::RunProgress(const ClientRequest& request, ProgressStream& progress, const LineFn& on_status,
                                 const KeepGoingFn& keep_going, const std::string& what) {
  Status parse_error;
  bool stopped = false;
  std::string last_status;
  ClientRequest polled = request;
  if (keep_going) polled.keep_going = keep_going;
  auto reply = http_->Stream(polled, [&](std::string_view line) {
    if (keep_going && !keep_going()) {
      stopped = true;
      return false;
    }
    Status s = progress.Add(line);
    if (!s.ok()) {
      parse_error = s;
      return false;
    }
    if (on_status) {
      // Layer progress bars are noise in a log: only status changes.
      auto m = ParseProgressLine(line);
      if (m.ok() && !m->status.empty() && m->progress.empty()) {
        std::string shown = m->id.empty() ? m->status : m->id + ": " + m->status;
        if (shown != last_status) on_status(shown);
        last_status = std::move(shown);
      }
    }
    return true;
  });
  progress.Finish();
  if (!reply.ok() && reply.status().code() == StatusCode::kCancelled) return CancelledError(what + ": cancelled");
  if (!reply.ok()) return UnavailableError(what + ": Docker engine: " + reply.status().message());
  if (stopped) return CancelledError(what + ": cancelled");
  if (reply->status != 200) {
    const std::string message = EngineErrorMessage(reply->body);
    const std::string text = what + ": HTTP " + std::to_string(reply->status) + ": " + message;
    if (reply->status == 404) return NotFoundError(text);
    if (reply->status == 400) return InvalidArgumentError(text);
    if (reply->status == 401 || reply->status == 403) return PermissionDeniedError(text);
    return InternalError(text);
  }
  if (!parse_error.ok()) return InternalError(what + ": " + parse_error.message());
  return OkStatus();
}

Result<std::string> DockerClient::Build(const BuildParams& params, const LineFn& on_output,
                                        const KeepGoingFn& keep_going) {
  if (params.tags.empty()) return InvalidArgumentError("build: at least one tag is needed");
  std::string query =
      "/build?rm=1&forcerm=1&dockerfile=" + PercentEncode(params.dockerfile.empty() ? "Dockerfile" : params.dockerfile);
  for (const std::string& tag : params.tags) {
    KELOLA_ASSIGN_OR_RETURN(ImageReference ref, ParseImageReference(tag));
    (void)ref;
    query += "&t=" + PercentEncode(tag);
  }
  if (!params.build_args.empty()) query += "&buildargs=" + PercentEncode(Dump(json(params.build_args)));
  if (!params.labels.empty()) query += "&labels=" + PercentEncode(Dump(json(params.labels)));
  ClientRequest request;
  request.method = "POST";
  request.url = Url(query);
  request.body_file = params.context_tar;
  request.headers["Content-Type"] = "application/x-tar";
  const std::string what = "building " + params.tags.front();
  ProgressStream progress(on_output);
  KELOLA_RETURN_IF_ERROR(RunProgress(request, progress, nullptr, keep_going, what));
  if (progress.failed()) {
    // The build's own failure: the instruction that failed and why.
    const std::string step = progress.failed_step().empty() ? "" : progress.failed_step() + ": ";
    return InvalidArgumentError(what + " failed at " + (step.empty() ? "an unknown step: " : step) + progress.error());
  }
  if (!progress.image_id().empty()) return progress.image_id();
  // Engines older than 1.30 send no aux ID: ask for the image.
  KELOLA_ASSIGN_OR_RETURN(std::string inspect, InspectImage(params.tags.front()));
  json doc = json::parse(inspect, nullptr, false);
  if (doc.is_object() && doc.contains("Id") && doc["Id"].is_string()) return doc["Id"].get<std::string>();
  return InternalError(what + ": the build finished without reporting an image ID");
}

Status DockerClient::Tag(const std::string& source, const std::string& repository, const std::string& tag) {
  KELOLA_RETURN_IF_ERROR(CheckPathPart(source, "source image"));
  KELOLA_ASSIGN_OR_RETURN(ImageReference ref, ParseImageReference(repository + ":" + tag));
  (void)ref;
  KELOLA_ASSIGN_OR_RETURN(
      ClientResponse reply,
      Call("POST", "/images/" + source + "/tag?repo=" + PercentEncode(repository) + "&tag=" + PercentEncode(tag)));
  const std::string what = "tagging " + source + " as " + repository + ":" + tag;
  if (reply.status == 201 || reply.status == 200) return OkStatus();
  if (reply.status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply.body));
  return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + EngineErrorMessage(reply.body));
}

Result<std::string> DockerClient::Push(const std::string& repository, const std::string& tag,
                                       const RegistryCredentials& credentials, const LineFn& on_progress,
                                       const KeepGoingFn& keep_going) {
  KELOLA_ASSIGN_OR_RETURN(ImageReference ref, ParseImageReference(repository + ":" + tag));
  (void)ref;
  KELOLA_RETURN_IF_ERROR(CheckPathPart(repository, "repository"));
  ClientRequest request;
  request.method = "POST";
  request.url = Url("/images/" + repository + "/push?tag=" + PercentEncode(tag));
  request.headers["X-Registry-Auth"] = RegistryAuthHeader(credentials);
  const std::string what = "pushing " + repository + ":" + tag;
  ProgressStream progress;
  KELOLA_RETURN_IF_ERROR(RunProgress(request, progress, on_progress, keep_going, what));
  if (progress.failed()) return RegistryStreamError(what, progress.error());
  if (progress.digest().empty()) return InternalError(what + ": the push finished without reporting a digest");
  return progress.digest();
}

Status DockerClient::Pull(const std::string& image, const RegistryCredentials& credentials, const LineFn& on_progress) {
  KELOLA_ASSIGN_OR_RETURN(ImageReference ref, ParseImageReference(image));
  std::string query = "/images/create?fromImage=" + PercentEncode(ref.Name());
  if (!ref.digest.empty()) {
    query = "/images/create?fromImage=" + PercentEncode(ref.Name() + "@" + ref.digest);
  } else {
    query += "&tag=" + PercentEncode(ref.tag.empty() ? "latest" : ref.tag);
  }
  ClientRequest request;
  request.method = "POST";
  request.url = Url(query);
  request.headers["X-Registry-Auth"] = RegistryAuthHeader(credentials);
  ProgressStream progress;
  const std::string what = "pulling " + image;
  KELOLA_RETURN_IF_ERROR(RunProgress(request, progress, on_progress, nullptr, what));
  if (progress.failed()) return RegistryStreamError(what, progress.error());
  return OkStatus();
}

Result<std::string> DockerClient::InspectImage(const std::string& name) {
  KELOLA_RETURN_IF_ERROR(CheckPathPart(name, "image"));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("GET", "/images/" + name + "/json"));
  if (reply.status == 404) return NotFoundError("image " + name + " not found");
  if (reply.status != 200) {
    return InternalError("inspecting image " + name + ": HTTP " + std::to_string(reply.status) + ": " +
                         EngineErrorMessage(reply.body));
  }
  return reply.body;
}

Status DockerClient::RemoveImage(const std::string& name) {
  KELOLA_RETURN_IF_ERROR(CheckPathPart(name, "image"));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("DELETE", "/images/" + name + "?force=1"));
  if (reply.status == 200 || reply.status == 404) return OkStatus();
  return InternalError("removing image " + name + ": HTTP " + std::to_string(reply.status) + ": " +
                       EngineErrorMessage(reply.body));
}

}  // namespace kelola::docker
