#include "cli/api_client.h"

namespace kelola {
namespace {

HttpClientOptions ClientOptions() {
  HttpClientOptions o;
  o.timeout = std::chrono::seconds(30);
  o.user_agent = "kelola-cli";
  return o;
}

}  // namespace

StatusCode StatusCodeForHttp(int s) {
  switch (s) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kAborted;
    case 413: return StatusCode::kInvalidArgument;
    case 422: return StatusCode::kFailedPrecondition;
    case 429: return StatusCode::kResourceExhausted;
    case 503: return StatusCode::kUnavailable;
    case 504: return StatusCode::kDeadlineExceeded;
    default: return s >= 500 ? StatusCode::kInternal : StatusCode::kUnknown;
  }
}

ApiClient::ApiClient(ClientConfig config) : config_(std::move(config)), http_(ClientOptions()) {}

Result<nlohmann::json> ApiClient::Send(const std::string& method, const std::string& path, std::string body,
                                       const std::string& content_type, std::chrono::milliseconds timeout) {
  ClientRequest req;
  req.method = method;
  req.url = config_.server + path;
  req.timeout = timeout;
  if (!config_.token.empty()) req.headers["Authorization"] = "Bearer " + config_.token;
  req.headers["Accept"] = "application/json";
  if (!body.empty() || method == "PUT") {
    req.headers["Content-Type"] = content_type;
    req.body = std::move(body);
  }
  auto resp = http_.Send(req);
  if (!resp.ok()) return resp.status().WithContext("cannot reach " + config_.server);
  nlohmann::json doc = nlohmann::json::parse(resp->body, nullptr, false);
  if (resp->status >= 200 && resp->status < 300) {
    if (doc.is_discarded()) return InternalError("server answered with a body that is not JSON");
    return doc;
  }
  std::string message = "HTTP " + std::to_string(resp->status);
  if (!doc.is_discarded() && doc.contains("error") && doc["error"].is_object()) {
    message = doc["error"].value("message", message);
  }
  if (resp->status == 401 && config_.token.empty()) {
    message += " (no token: pass --token, set KELOLA_TOKEN, or run in the directory holding .kelola/admin.token)";
  } else if (resp->status == 401) {
    message += " (token from " + config_.token_source + ")";
  }
  return Status(StatusCodeForHttp(resp->status), message);
}

Result<nlohmann::json> ApiClient::Get(const std::string& path) { return Send("GET", path, ""); }
Result<nlohmann::json> ApiClient::Put(const std::string& path, const nlohmann::json& body) {
  return Send("PUT", path, body.dump());
}
Result<nlohmann::json> ApiClient::Post(const std::string& path, const nlohmann::json& body) {
  return Send("POST", path, body.dump());
}
Result<nlohmann::json> ApiClient::Delete(const std::string& path) { return Send("DELETE", path, ""); }
Result<nlohmann::json> ApiClient::PutBytes(const std::string& path, std::string bytes,
                                           std::chrono::milliseconds timeout) {
  return Send("PUT", path, std::move(bytes), "application/octet-stream", timeout);
}

Status ApiClient::FollowEvents(const std::string& path, const std::function<bool(const nlohmann::json&)>& on_event) {
  ClientRequest req;
  req.url = config_.server + path;
  req.timeout = std::chrono::milliseconds(0);
  if (!config_.token.empty()) req.headers["Authorization"] = "Bearer " + config_.token;
  req.headers["Accept"] = "text/event-stream";
  std::string error_body;
  auto resp = http_.Stream(req, [&](std::string_view line) {
    if (line.rfind("data: ", 0) == 0) {
      auto doc = nlohmann::json::parse(line.substr(6), nullptr, false);
      if (!doc.is_discarded()) return on_event(doc);
    } else if (line.rfind("{", 0) == 0) {
      error_body += line;  // an error answer instead of a stream
    }
    return true;
  });
  if (!resp.ok()) return resp.status().WithContext("cannot reach " + config_.server);
  if (resp->status != 200) {
    auto doc = nlohmann::json::parse(error_body, nullptr, false);
    std::string message = "HTTP " + std::to_string(resp->status);
    if (!doc.is_discarded() && doc.contains("error")) message = doc["error"].value("message", message);
    return Status(StatusCodeForHttp(resp->status), message);
  }
  return OkStatus();
}

Status ApiClient::FollowLines(const std::string& path, const std::function<bool(const nlohmann::json&)>& on_item) {
  ClientRequest req;
  req.url = config_.server + path;
  req.timeout = std::chrono::milliseconds(0);
  if (!config_.token.empty()) req.headers["Authorization"] = "Bearer " + config_.token;
  req.headers["Accept"] = "application/x-ndjson";
  auto resp = http_.Stream(req, [&](std::string_view line) {
    if (line.empty()) return true;  // keep-alive
    auto doc = nlohmann::json::parse(line, nullptr, false);
    return doc.is_discarded() ? true : on_item(doc);
  });
  if (!resp.ok()) return resp.status().WithContext("cannot reach " + config_.server);
  if (resp->status != 200) {
    auto doc = nlohmann::json::parse(resp->body, nullptr, false);
    std::string message = "HTTP " + std::to_string(resp->status);
    if (!doc.is_discarded() && doc.contains("error")) message = doc["error"].value("message", message);
    return Status(StatusCodeForHttp(resp->status), message);
  }
  return OkStatus();
}

}  // namespace kelola
