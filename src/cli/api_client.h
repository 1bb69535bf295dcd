// ApiClient: the CLI's view of the REST API. Sends JSON, turns the API's
// error shape back into a Status (so "409 Conflict" becomes Aborted with the
// server's message) and never prints the token.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cli/client_config.h"
#include "net/http_client.h"

namespace kelola {

class ApiClient {
 public:
  explicit ApiClient(ClientConfig config);

  Result<nlohmann::json> Get(const std::string& path);
  Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Delete(const std::string& path);
  // PUT of raw bytes (application/octet-stream), e.g. /v1/files/sha256:...;
  // allowed up to `timeout` rather than the usual 30 s.
  Result<nlohmann::json> PutBytes(const std::string& path, std::string bytes, std::chrono::milliseconds timeout);
  // Streams server-sent events; `on_event` gets each event's data as JSON.
  Status FollowEvents(const std::string& path, const std::function<bool(const nlohmann::json&)>& on_event);
  // Streams newline-delimited JSON (application/x-ndjson); `on_item` gets
  // each non-empty line as JSON.
  Status FollowLines(const std::string& path, const std::function<bool(const nlohmann::json&)>& on_item);

 private:
  Result<nlohmann::json> Send(const std::string& method, const std::string& path, std::string body,
                              const std::string& content_type = "application/json",
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  ClientConfig config_;
  HttpClient http_;
};

// Maps an HTTP status to the Status code the API used for it.
StatusCode StatusCodeForHttp(int http_status);

}  // namespace kelola
