// DockerClient's container calls (see docker_client.h).
#include <nlohmann/json.hpp>

#include "integrations/docker/docker_client.h"

namespace kelola::docker {
namespace {

using nlohmann::json;

Status CheckId(const std::string& id) { return CheckEngineName(id, "container id"); }

// A full ID shortened as the CLI shows it; a name as it is.
std::string Short(const std::string& id) { return id.size() == 64 ? id.substr(0, 12) : id; }

}  // namespace

Result<std::string> DockerClient::CreateContainer(const ContainerParams& params) {
  json env = json::array();
  for (const auto& [key, value] : params.env) {
    if (key.empty() || key.find('=') != std::string::npos || key.find('\0') != std::string::npos) {
      return InvalidArgumentError("environment variable name \"" + key + "\" is empty or holds '=' or NUL");
    }
    env.push_back(key + "=" + value);
  }
  json mounts = json::array();
  for (const MountSpec& m : params.mounts) {
    if (m.source.empty() || m.source.front() != '/' || m.target.empty() || m.target.front() != '/') {
      return InvalidArgumentError("mount " + m.source + " -> " + m.target + ": both paths must be absolute");
    }
    mounts.push_back({{"Type", "bind"}, {"Source", m.source}, {"Target", m.target}, {"ReadOnly", m.read_only}});
  }
  json host_config = {{"Mounts", mounts}, {"AutoRemove", false}};
  if (params.nano_cpus > 0) host_config["NanoCpus"] = params.nano_cpus;
  if (params.memory_bytes > 0) host_config["Memory"] = params.memory_bytes;
  if (!params.restart_policy.empty()) host_config["RestartPolicy"] = {{"Name", params.restart_policy}};
  json body = {{"Image", params.image}, {"Env", env},           {"Labels", params.labels},
               {"Tty", false},          {"OpenStdin", false},   {"AttachStdin", false},
               {"AttachStdout", true},  {"AttachStderr", true}, {"HostConfig", host_config}};
  if (!params.entrypoint.empty()) body["Entrypoint"] = params.entrypoint;
  if (!params.cmd.empty()) body["Cmd"] = params.cmd;
  if (!params.working_dir.empty()) body["WorkingDir"] = params.working_dir;
  if (!params.hostname.empty()) body["Hostname"] = params.hostname;
  if (!params.network.empty()) {
    KELOLA_RETURN_IF_ERROR(CheckEngineName(params.network, "network"));
    body["HostConfig"]["NetworkMode"] = params.network;
    json endpoint = json::object();
    if (!params.ipv4_address.empty()) endpoint["IPAMConfig"] = {{"IPv4Address", params.ipv4_address}};
    body["NetworkingConfig"] = {{"EndpointsConfig", {{params.network, endpoint}}}};
  }
  std::string path = "/containers/create";
  if (!params.name.empty()) {
    KELOLA_RETURN_IF_ERROR(CheckEngineName(params.name, "container name"));
    path += "?name=" + PercentEncode(params.name);
  }
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply,
                          Call("POST", path, body.dump(-1, ' ', false, json::error_handler_t::replace)));
  const std::string what =
      "creating container " + (params.name.empty() ? std::string() : params.name + " ") + "from " + params.image;
  if (reply.status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply.body));
  if (reply.status == 409) return AlreadyExistsError(what + ": " + EngineErrorMessage(reply.body));
  if (reply.status == 400) return InvalidArgumentError(what + ": " + EngineErrorMessage(reply.body));
  if (reply.status != 201) {
    return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + EngineErrorMessage(reply.body));
  }
  json doc = json::parse(reply.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("Id") || !doc["Id"].is_string()) {
    return InternalError(what + ": the answer has no Id");
  }
  return doc["Id"].get<std::string>();
}

Status DockerClient::StartContainer(const std::string& id) {
  KELOLA_RETURN_IF_ERROR(CheckId(id));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("POST", "/containers/" + id + "/start"));
  if (reply.status == 204 || reply.status == 304) return OkStatus();
  const std::string text = "starting container " + Short(id) + ": " + EngineErrorMessage(reply.body);
  if (reply.status == 404) return NotFoundError(text);
  // 400/500 here mostly mean the command cannot run (no /bin/sh in the image).
  return FailedPreconditionError(text);
}

Status DockerClient::StreamLogs(const std::string& id, bool follow, const LogStreamDecoder::PayloadFn& on_payload) {
  KELOLA_RETURN_IF_ERROR(CheckId(id));
  ClientRequest request;
  request.url = Url("/containers/" + id + "/logs?stdout=1&stderr=1" + (follow ? "&follow=1" : ""));
  LogStreamDecoder decoder(on_payload);
  Status decode_error;
  auto reply = http_->StreamBytes(request, [&](std::string_view chunk) {
    decode_error = decoder.Feed(chunk);
    return decode_error.ok();
  });
  const std::string what = "reading the logs of container " + Short(id);
  if (!reply.ok()) return UnavailableError(what + ": Docker engine: " + reply.status().message());
  if (!decode_error.ok()) return InternalError(what + ": " + decode_error.message());
  if (reply->status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply->body));
  if (reply->status != 200) {
    return InternalError(what + ": HTTP " + std::to_string(reply->status) + ": " + EngineErrorMessage(reply->body));
  }
  Status end = decoder.Finish();
  if (!end.ok()) return InternalError(what + ": " + end.message());
  return OkStatus();
}

Result<int> DockerClient::WaitContainer(const std::string& id) {
  KELOLA_RETURN_IF_ERROR(CheckId(id));
  ClientRequest request;
  request.method = "POST";
  request.url = Url("/containers/" + id + "/wait");
  request.timeout = std::chrono::hours(24);  // a step's own timeout kills it first
  request.retry = false;
  auto reply = http_->Send(request);
  const std::string what = "waiting for container " + Short(id);
  if (!reply.ok()) return UnavailableError(what + ": Docker engine: " + reply.status().message());
  if (reply->status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply->body));
  json doc = json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || !doc.is_object() || !doc.contains("StatusCode") ||
      !doc["StatusCode"].is_number_integer()) {
    return InternalError(what + ": HTTP " + std::to_string(reply->status) + ": " + EngineErrorMessage(reply->body));
  }
  return doc["StatusCode"].get<int>();
}

Status DockerClient::KillContainer(const std::string& id) {
  KELOLA_RETURN_IF_ERROR(CheckId(id));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("POST", "/containers/" + id + "/kill?signal=SIGKILL"));
  // 409: not running (already exited) — nothing left to kill.
  if (reply.status == 204 || reply.status == 404 || reply.status == 409) return OkStatus();
  return InternalError("killing container " + Short(id) + ": HTTP " + std::to_string(reply.status) + ": " +
                       EngineErrorMessage(reply.body));
}

Status DockerClient::RemoveContainer(const std::string& id) {
  KELOLA_RETURN_IF_ERROR(CheckId(id));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("DELETE", "/containers/" + id + "?force=1&v=1"));
  if (reply.status == 204 || reply.status == 404) return OkStatus();
  // 409 "removal already in progress" is fine too.
  if (reply.status == 409 && reply.body.find("already in progress") != std::string::npos) return OkStatus();
  return InternalError("removing container " + Short(id) + ": HTTP " + std::to_string(reply.status) + ": " +
                       EngineErrorMessage(reply.body));
}

Result<std::vector<std::string>> DockerClient::ListContainers(const std::string& label_key,
                                                              const std::string& label_value) {
  const json filters = {{"label", json::array({label_key + "=" + label_value})}};
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply,
                          Call("GET", "/containers/json?all=1&filters=" +
                                          PercentEncode(filters.dump(-1, ' ', false, json::error_handler_t::replace))));
  if (reply.status != 200) {
    return InternalError("listing containers: HTTP " + std::to_string(reply.status) + ": " +
                         EngineErrorMessage(reply.body));
  }
  json doc = json::parse(reply.body, nullptr, false);
  if (!doc.is_array()) return InternalError("listing containers: the answer is not a JSON array");
  std::vector<std::string> ids;
  for (const json& c : doc) {
    if (c.is_object() && c.contains("Id") && c["Id"].is_string()) ids.push_back(c["Id"].get<std::string>());
  }
  return ids;
}

Result<ContainerInfo> DockerClient::InspectContainer(const std::string& id_or_name) {
  KELOLA_RETURN_IF_ERROR(CheckId(id_or_name));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Call("GET", "/containers/" + id_or_name + "/json"));
  const std::string what = "inspecting container " + Short(id_or_name);
  if (reply.status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply.body));
  if (reply.status != 200) {
    return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + EngineErrorMessage(reply.body));
  }
  auto info = ParseContainerInspect(reply.body);
  if (!info.ok()) return InternalError(what + ": " + info.status().message());
  return info;
}

Result<std::vector<ContainerInfo>> DockerClient::ListContainerInfos(const std::map<std::string, std::string>& labels) {
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply,
                          Call("GET", "/containers/json?all=1&filters=" + LabelFilterQuery(labels)));
  if (reply.status != 200) {
    return InternalError("listing containers: HTTP " + std::to_string(reply.status) + ": " +
                         EngineErrorMessage(reply.body));
  }
  auto list = ParseContainerList(reply.body);
  if (!list.ok()) return InternalError("listing containers: " + list.status().message());
  return list;
}

}  // namespace kelola::docker
