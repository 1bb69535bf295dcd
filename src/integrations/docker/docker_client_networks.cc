// DockerClient's network calls and the engine's CPU count (see docker_client.h).
#include <nlohmann/json.hpp>

#include "integrations/docker/docker_client.h"

namespace kelola::docker {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

Status CheckEngineName(const std::string& s, const std::string& what) {
  if (s.empty() || s.size() > 128) return InvalidArgumentError(what + " is empty or longer than 128 characters");
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return InvalidArgumentError(what + " \"" + s + "\" holds a character other than [A-Za-z0-9_.-]");
  }
  if (s.front() == '.' || s.front() == '-' || s.front() == '_') {
    return InvalidArgumentError(what + " \"" + s + "\" must start with a letter or digit");
  }
  return OkStatus();
}

std::string LabelFilterQuery(const std::map<std::string, std::string>& labels) {
  json wanted = json::array();
  for (const auto& [key, value] : labels) wanted.push_back(key + "=" + value);
  return PercentEncode(Dump(json{{"label", wanted}}));
}

Result<std::string> DockerClient::CreateNetwork(const NetworkParams& params) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(params.name, "network name"));
  json body = {
      {"Name", params.name},    {"CheckDuplicate", true}, {"Driver", params.driver.empty() ? "bridge" : params.driver},
      {"Internal", false},      {"Attachable", false},    {"EnableIPv6", false},
      {"Labels", params.labels}};
  if (!params.subnet.empty()) {
    json config = {{"Subnet", params.subnet}};
    if (!params.ip_range.empty()) config["IPRange"] = params.ip_range;
    body["IPAM"] = {{"Driver", "default"}, {"Config", json::array({config})}};
  }
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("POST", "/networks/create", Dump(body)));
  const std::string what = "creating network " + params.name;
  const std::string message = EngineErrorMessage(reply.body);
  if (reply.status == 409) return AlreadyExistsError(what + ": " + message);
  if (message.find("overlaps") != std::string::npos) {
    // "Pool overlaps with other one on this address space" (403 or 500 by version).
    return FailedPreconditionError(what + ": subnet " + params.subnet + " is in use: " + message);
  }
  if (reply.status == 400) return InvalidArgumentError(what + ": " + message);
  if (reply.status != 201) return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + message);
  json doc = json::parse(reply.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("Id") || !doc["Id"].is_string()) {
    return InternalError(what + ": the answer has no Id");
  }
  return doc["Id"].get<std::string>();
}

Result<NetworkInfo> DockerClient::InspectNetwork(const std::string& id_or_name) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(id_or_name, "network"));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("GET", "/networks/" + id_or_name));
  const std::string what = "inspecting network " + id_or_name;
  if (reply.status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply.body));
  if (reply.status != 200) {
    return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + EngineErrorMessage(reply.body));
  }
  auto info = ParseNetworkInspect(reply.body);
  if (!info.ok()) return InternalError(what + ": " + info.status().message());
  return info;
}

Result<std::vector<NetworkInfo>> DockerClient::ListNetworks(const std::map<std::string, std::string>& labels) {
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("GET", "/networks?filters=" + LabelFilterQuery(labels)));
  if (reply.status != 200) {
    return InternalError("listing networks: HTTP " + std::to_string(reply.status) + ": " +
                         EngineErrorMessage(reply.body));
  }
  auto list = ParseNetworkList(reply.body);
  if (!list.ok()) return InternalError("listing networks: " + list.status().message());
  return list;
}

Status DockerClient::RemoveNetwork(const std::string& id_or_name) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(id_or_name, "network"));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("DELETE", "/networks/" + id_or_name));
  if (reply.status == 204 || reply.status == 200 || reply.status == 404) return OkStatus();
  const std::string message = EngineErrorMessage(reply.body);
  const std::string what = "removing network " + id_or_name;
  // 403: "network ... has active endpoints".
  if (reply.status == 403 || message.find("active endpoints") != std::string::npos) {
    return FailedPreconditionError(what + ": " + message);
  }
  return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + message);
}

Result<int> DockerClient::CpuCount() {
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("GET", "/info"));
  if (reply.status != 200) {
    return InternalError("reading the engine's info: HTTP " + std::to_string(reply.status) + ": " +
                         EngineErrorMessage(reply.body));
  }
  json doc = json::parse(reply.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("NCPU") || !doc["NCPU"].is_number_integer() || doc["NCPU"].get<int>() < 1) {
    return InternalError("reading the engine's info: no NCPU in the answer");
  }
  return doc["NCPU"].get<int>();
}

}  // namespace kelola::docker
