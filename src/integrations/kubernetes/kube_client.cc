#include "integrations/kubernetes/kube_client.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace kelola {
namespace {

Result<std::string> WritePrivateFile(const std::string& content, const char* what) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kelola-kube-XXXXXX";
  int fd = ::mkstemp(path.data());  // 0600
  if (fd < 0) return InternalError(std::string("cannot create a private file for the ") + what);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return InternalError(std::string("cannot write the ") + what);
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  return path;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t start = s.find_first_not_of(" \t\r\n");
  return start == std::string::npos ? std::string() : s.substr(start);
}

}  // namespace

std::string KubeQueryEscape(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status KubeApiError(const std::string& method, const std::string& path, int http_status, std::string_view body) {
  std::string detail;
  std::string reason;
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.value("kind", std::string()) == "Status") {
    if (json.contains("message") && json["message"].is_string()) detail = json["message"].get<std::string>();
    if (json.contains("reason") && json["reason"].is_string()) reason = json["reason"].get<std::string>();
  } else {
    detail = std::string(body.substr(0, 300));
  }
  const std::string message = method + " " + path + ": " + std::to_string(http_status) +
                              (reason.empty() ? "" : " " + reason) + (detail.empty() ? "" : ": " + detail);
  switch (http_status) {
    case 400:
    case 422: return InvalidArgumentError(message);
    case 401: return UnauthenticatedError(message);
    case 403: return PermissionDeniedError(message);
    case 404: return NotFoundError(message);
    case 409: return reason == "AlreadyExists" ? AlreadyExistsError(message) : AbortedError(message);
    case 410: return OutOfRangeError(message);
    case 429: return UnavailableError(message);
    default: return http_status >= 500 ? UnavailableError(message) : UnknownError(message);
  }
}

Result<std::unique_ptr<KubeClient>> KubeClient::Create(const KubeConnection& c, HttpClientOptions http) {
  KELOLA_RETURN_IF_ERROR(ValidateKubeConnection(c));
  std::unique_ptr<KubeClient> client(new KubeClient());
  client->server_ = c.server;
  while (!client->server_.empty() && client->server_.back() == '/') client->server_.pop_back();
  client->token_ = c.token;
  if (client->token_.empty() && !c.token_file.empty()) {
    std::ifstream in(c.token_file);
    if (!in) return InvalidArgumentError("kubernetes token file " + c.token_file + " cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    client->token_ = Trim(text.str());
    if (client->token_.empty()) return InvalidArgumentError("kubernetes token file " + c.token_file + " is empty");
  }
  http.verify_tls = true;
  auto keep = [&](const std::string& pem, const char* what, std::string* field) -> Status {
    KELOLA_ASSIGN_OR_RETURN(std::string path, WritePrivateFile(pem, what));
    client->private_files_.push_back(path);
    *field = path;
    return OkStatus();
  };
  if (!c.ca_pem.empty()) {
    KELOLA_RETURN_IF_ERROR(keep(c.ca_pem, "cluster CA", &http.ca_file));
  } else if (!c.ca_file.empty()) {
    http.ca_file = c.ca_file;
  }
  if (client->token_.empty()) {
    if (!c.client_cert_pem.empty()) {
      KELOLA_RETURN_IF_ERROR(keep(c.client_cert_pem, "client certificate", &http.client_cert_file));
    } else {
      http.client_cert_file = c.client_cert_file;
    }
    if (!c.client_key_pem.empty()) {
      KELOLA_RETURN_IF_ERROR(keep(c.client_key_pem, "client key", &http.client_key_file));
    } else {
      http.client_key_file = c.client_key_file;
    }
  }
  http.user_agent = "kelola";
  client->http_ = std::make_unique<HttpClient>(http);
  return client;
}

KubeClient::~KubeClient() {
  for (const auto& path : private_files_) ::unlink(path.c_str());
}

ClientRequest KubeClient::Request(const std::string& method, const std::string& path) const {
  ClientRequest r;
  r.method = method;
  r.url = server_ + path;
  r.headers["Accept"] = "application/json";
  if (!token_.empty()) r.headers["Authorization"] = "Bearer " + token_;
  return r;
}

Result<std::string> KubeClient::Get(const std::string& path) {
  KELOLA_ASSIGN_OR_RETURN(auto reply, http_->Send(Request("GET", path)));
  if (reply.status != 200) return KubeApiError("GET", path, reply.status, reply.body);
  return std::move(reply.body);
}

Result<std::string> KubeClient::Send(const std::string& method, const std::string& path, const std::string& body,
                                     const std::string& content_type) {
  ClientRequest r = Request(method, path);
  r.headers["Content-Type"] = content_type;
  r.body = body;
  KELOLA_ASSIGN_OR_RETURN(auto reply, http_->Send(r));
  if (reply.status < 200 || reply.status > 299) return KubeApiError(method, path, reply.status, reply.body);
  return std::move(reply.body);
}

Result<std::string> KubeClient::Update(const std::string& path,
                                       const std::function<Result<std::string>(const std::string& current)>& mutate,
                                       int attempts, int* tries) {
  Status last = OkStatus();
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (tries != nullptr) *tries = attempt;
    KELOLA_ASSIGN_OR_RETURN(std::string current, Get(path));
    KELOLA_ASSIGN_OR_RETURN(std::string next, mutate(current));
    auto stored = Send("PUT", path, next);
    if (stored.ok() || stored.status().code() != StatusCode::kAborted) return stored;
    last = stored.status();  // 409: someone wrote in between; read again
  }
  return AbortedError("gave up after " + std::to_string(attempts) + " conflicting writes: " + last.ToString());
}

Status KubeClient::Watch(const std::string& path, const std::function<bool(const KubeWatchEvent&)>& on_event,
                         std::chrono::milliseconds timeout, const std::function<bool()>& keep_going) {
  ClientRequest r = Request("GET", path);
  r.timeout = timeout;
  r.keep_going = keep_going;
  Status bad_event = OkStatus();
  auto reply = http_->Stream(r, [&](std::string_view line) {
    if (line.empty()) return true;
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_object() || !json.contains("type") || !json["type"].is_string() || !json.contains("object")) {
      bad_event = DataLossError("GET " + path + ": a watch event is not {type, object}");
      return false;
    }
    KubeWatchEvent event{json["type"].get<std::string>(), json["object"].dump()};
    return on_event(event);
  });
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return KubeApiError("GET", path, reply->status, reply->body);
  return bad_event;
}

}  // namespace kelola
