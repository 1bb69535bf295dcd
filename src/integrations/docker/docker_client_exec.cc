// DockerClient's exec and archive calls (see docker_client.h).
#include <nlohmann/json.hpp>

#include "integrations/docker/docker_client.h"

namespace kelola::docker {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Status CheckArgv(const std::vector<std::string>& argv) {
  if (argv.empty()) return InvalidArgumentError("exec: the command is empty");
  for (const std::string& a : argv) {
    if (a.find('\0') != std::string::npos) return InvalidArgumentError("exec: an argument holds a NUL byte");
  }
  return OkStatus();
}

// POST /containers/{id}/exec; returns the exec ID.
Result<std::string> CreateExec(const std::function<Result<ClientResponse>(const std::string&)>& post,
                               const std::string& id, const std::vector<std::string>& argv, bool attach) {
  KELOLA_RETURN_IF_ERROR(CheckArgv(argv));
  json body = {
      {"AttachStdin", false}, {"AttachStdout", attach}, {"AttachStderr", attach}, {"Tty", false}, {"Cmd", argv}};
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, post(Dump(body)));
  const std::string what = "exec in container " + id.substr(0, 64);
  const std::string message = EngineErrorMessage(reply.body);
  if (reply.status == 404) return NotFoundError(what + ": " + message);
  if (reply.status == 409) return FailedPreconditionError(what + ": " + message);  // not running / paused
  if (reply.status != 201) return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + message);
  json doc = json::parse(reply.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("Id") || !doc["Id"].is_string()) {
    return InternalError(what + ": the answer has no Id");
  }
  return doc["Id"].get<std::string>();
}

}  // namespace

Result<ExecOutput> DockerClient::Exec(const std::string& id, const std::vector<std::string>& argv, size_t max_output) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(id, "container id"));
  KELOLA_ASSIGN_OR_RETURN(
      std::string exec_id,
      CreateExec([&](const std::string& body) { return Call("POST", "/containers/" + id + "/exec", body); }, id, argv,
                 /*attach=*/true));
  const std::string what = "exec in container " + id;
  ClientRequest request;
  request.method = "POST";
  request.url = Url("/exec/" + exec_id + "/start");
  request.body = Dump(json{{"Detach", false}, {"Tty", false}});
  request.headers["Content-Type"] = "application/json";
  request.timeout = options_.request_timeout;
  ExecOutput output;
  LogStreamDecoder decoder([&](LogStream stream, std::string_view bytes) {
    std::string& into = stream == LogStream::kStdout ? output.out : output.err;
    if (into.size() < max_output) into.append(bytes.substr(0, max_output - into.size()));
  });
  Status decode_error;
  auto reply = http_->StreamBytes(request, [&](std::string_view chunk) {
    decode_error = decoder.Feed(chunk);
    return decode_error.ok();
  });
  if (!reply.ok()) return UnavailableError(what + ": Docker engine: " + reply.status().message());
  if (!decode_error.ok()) return InternalError(what + ": " + decode_error.message());
  if (reply->status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply->body));
  if (reply->status == 409) return FailedPreconditionError(what + ": " + EngineErrorMessage(reply->body));
  if (reply->status != 200) {
    return InternalError(what + ": HTTP " + std::to_string(reply->status) + ": " + EngineErrorMessage(reply->body));
  }
  KELOLA_RETURN_IF_ERROR(decoder.Finish());
  KELOLA_ASSIGN_OR_RETURN(ClientResponse inspect, Call("GET", "/exec/" + exec_id + "/json"));
  json doc = json::parse(inspect.body, nullptr, false);
  if (inspect.status != 200 || !doc.is_object()) {
    return InternalError(what + ": inspecting the exec: HTTP " + std::to_string(inspect.status));
  }
  const json& code = doc["ExitCode"];
  output.exit_code = code.is_number_integer() ? code.get<int>() : -1;
  return output;
}

Status DockerClient::ExecDetached(const std::string& id, const std::vector<std::string>& argv) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(id, "container id"));
  KELOLA_ASSIGN_OR_RETURN(
      std::string exec_id,
      CreateExec([&](const std::string& body) { return Call("POST", "/containers/" + id + "/exec", body); }, id, argv,
                 /*attach=*/false));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply,
                          Call("POST", "/exec/" + exec_id + "/start", Dump(json{{"Detach", true}, {"Tty", false}})));
  const std::string what = "exec in container " + id;
  if (reply.status == 200 || reply.status == 204) return OkStatus();
  if (reply.status == 409) return FailedPreconditionError(what + ": " + EngineErrorMessage(reply.body));
  if (reply.status == 404) return NotFoundError(what + ": " + EngineErrorMessage(reply.body));
  return InternalError(what + ": HTTP " + std::to_string(reply.status) + ": " + EngineErrorMessage(reply.body));
}

Status DockerClient::PutArchive(const std::string& id, const std::string& path, const std::string& tar) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(id, "container id"));
  if (path.empty() || path.front() != '/' || path.find("..") != std::string::npos) {
    return InvalidArgumentError("archive path \"" + path + "\" must be absolute and hold no \"..\"");
  }
  ClientRequest request;
  request.method = "PUT";
  request.url = Url("/containers/" + id + "/archive?path=" + PercentEncode(path));
  request.body = tar;
  request.headers["Content-Type"] = "application/x-tar";
  auto reply = http_->Send(request);
  const std::string what = "copying files into container " + id + " at " + path;
  if (!reply.ok()) return UnavailableError(what + ": Docker engine: " + reply.status().message());
  if (reply->status == 200) return OkStatus();
  const std::string message = EngineErrorMessage(reply->body);
  if (reply->status == 404) return NotFoundError(what + ": " + message);
  if (reply->status == 400 || reply->status == 403) return InvalidArgumentError(what + ": " + message);
  return InternalError(what + ": HTTP " + std::to_string(reply->status) + ": " + message);
}

Result<std::string> DockerClient::GetArchive(const std::string& id, const std::string& path, size_t max_bytes) {
  KELOLA_RETURN_IF_ERROR(CheckEngineName(id, "container id"));
  if (path.empty() || path.front() != '/' || path.find("..") != std::string::npos) {
    return InvalidArgumentError("archive path \"" + path + "\" must be absolute and hold no \"..\"");
  }
  ClientRequest request;
  request.url = Url("/containers/" + id + "/archive?path=" + PercentEncode(path));
  request.timeout = options_.request_timeout;
  std::string tar;
  bool too_big = false;
  auto reply = http_->StreamBytes(request, [&](std::string_view chunk) {
    if (tar.size() + chunk.size() > max_bytes) {
      too_big = true;
      return false;
    }
    tar.append(chunk);
    return true;
  });
  const std::string what = "copying " + path + " out of container " + id;
  if (!reply.ok()) return UnavailableError(what + ": Docker engine: " + reply.status().message());
  if (too_big) return ResourceExhaustedError(what + ": larger than " + std::to_string(max_bytes) + " bytes");
  if (reply->status == 200) return tar;
  const std::string message = EngineErrorMessage(reply->body);
  if (reply->status == 404) return NotFoundError(what + ": " + message);
  return InternalError(what + ": HTTP " + std::to_string(reply->status) + ": " + message);
}

}  // namespace kelola::docker
