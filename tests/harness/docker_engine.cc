#include "tests/harness/docker_engine.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/harness/child_process.h"
#include "tests/harness/tar_writer.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {
namespace {

using nlohmann::json;

constexpr auto kDockerdStartTimeout = std::chrono::seconds(30);

Result<std::string> PingApiVersion() {
  HttpRequestSpec request;
  request.url = "http://docker/_ping";
  request.unix_socket = DockerEngine::kSocketPath;
  request.timeout = std::chrono::seconds(5);
  KELOLA_ASSIGN_OR_RETURN(HttpReply reply, HttpCall(request));
  if (reply.status != 200) {
    return UnavailableError("docker /_ping answered " + std::to_string(reply.status));
  }
  std::string version = reply.Header("api-version");
  if (version.empty()) return InternalError("docker /_ping answered without an Api-Version header");
  return version;
}

// Holds an exclusive flock on a file for its lifetime.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  int fd_;
};

// True when the ELF image has no program interpreter, i.e. runs in an
// empty FROM-scratch image.
bool IsStaticElf(const std::string& image) {
  if (image.size() < 64 ||
      image.compare(0, 4,
                    "\x7f"
                    "ELF") != 0 ||
      image[4] != 2)
    return false;
  auto read = [&](size_t offset, size_t width) {
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
      value |= uint64_t{static_cast<uint8_t>(image[offset + i])} << (8 * i);
    }
    return value;
  };
  const uint64_t phoff = read(32, 8);
  const uint64_t phentsize = read(54, 2);
  const uint64_t phnum = read(56, 2);
  for (uint64_t i = 0; i < phnum; ++i) {
    uint64_t offset = phoff + i * phentsize;
    if (offset + 4 > image.size()) return false;
    if (read(offset, 4) == 3 /* PT_INTERP */) return false;
  }
  return true;
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

Status CheckProgressStream(const std::string& stream, const std::string& what) {
  std::istringstream lines(stream);
  std::string line;
  while (std::getline(lines, line)) {
    json message = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!message.is_object()) continue;
    std::string error;
    if (message.contains("errorDetail") && message["errorDetail"].is_object() &&
        message["errorDetail"].contains("message") && message["errorDetail"]["message"].is_string()) {
      error = message["errorDetail"]["message"].get<std::string>();
    } else if (message.contains("error") && message["error"].is_string()) {
      error = message["error"].get<std::string>();
    }
    if (!error.empty()) return InternalError(what + ": " + error);
  }
  return OkStatus();
}

Result<std::unique_ptr<DockerEngine>> DockerEngine::Ensure() {
  auto version = PingApiVersion();
  if (version.ok()) {
    return std::unique_ptr<DockerEngine>(new DockerEngine(LowerApiVersion(*version, kMaxApiVersion)));
  }
  auto dockerd = FindExecutable("dockerd");
  if (!dockerd) {
    return FailedPreconditionError("no Docker engine answers on " + std::string(kSocketPath) + " (" +
                                   version.status().message() +
                                   ") and dockerd is not installed, so none can be started: install the Debian package "
                                   "docker.io (scripts/install-deps does)");
  }
  ::mkdir(kDockerdLogDir, 0755);
  FileLock lock(std::string(kDockerdLogDir) + "/start.lock");
  // Another test process may have started it while we waited for the lock.
  version = PingApiVersion();
  if (!version.ok()) {
    const std::string log = std::string(kDockerdLogDir) + "/dockerd.log";
    SpawnOptions options;
    options.argv = {*dockerd, "--iptables=false"};
    options.log_path = log;
    options.new_session = true;
    KELOLA_ASSIGN_OR_RETURN(auto process, ChildProcess::Spawn(options));
    // Left running on purpose (see the header).
    process->Release();
    Clock& clock = SystemClock();
    const MonoTime deadline = clock.Monotonic() + kDockerdStartTimeout;
    while (!(version = PingApiVersion()).ok()) {
      if (!process->Running()) {
        return UnavailableError("dockerd exited with code " + std::to_string(process->exit_code().value_or(-1)) +
                                " before answering; " + log + " ends with:\n" + TailOfFile(log));
      }
      if (clock.Monotonic() >= deadline) {
        return UnavailableError("dockerd (pid " + std::to_string(process->pid()) +
                                ") did not answer /_ping within 30 s; " + log + " ends with:\n" + TailOfFile(log));
      }
      // Real time on purpose: waiting for a real daemon.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return std::unique_ptr<DockerEngine>(new DockerEngine(LowerApiVersion(*version, kMaxApiVersion)));
}

std::string DockerEngine::BaseUrl() const { return "http://docker/v" + api_version_; }

Result<HttpReply> DockerEngine::Call(const std::string& method, const std::string& path, const std::string& body,
                                     const std::string& content_type, std::vector<std::string> headers,
                                     Duration timeout) {
  HttpRequestSpec request;
  request.method = method;
  request.url = BaseUrl() + path;
  request.unix_socket = kSocketPath;
  request.body = body;
  request.headers = std::move(headers);
  if (!content_type.empty()) request.headers.push_back("Content-Type: " + content_type);
  request.timeout = timeout;
  return HttpCall(request);
}

namespace {

Status ExpectStatus(const Result<HttpReply>& reply, long want, const std::string& what) {
  if (!reply.ok()) return reply.status().WithContext(what);
  if (reply->status != want) {
    return InternalError(what + ": HTTP " + std::to_string(reply->status) + ": " + reply->body);
  }
  return OkStatus();
}

}  // namespace

Status DockerEngine::BuildBusyboxImage(const std::string& tag) {
  const std::string busybox_path = "/bin/busybox";
  auto busybox = ReadFile(busybox_path);
  if (!busybox.ok() || !IsStaticElf(*busybox)) {
    return FailedPreconditionError(busybox_path +
                                   " is missing or not statically linked: install the Debian "
                                   "package busybox-static (scripts/install-deps does)");
  }
  TarWriter context;
  KELOLA_RETURN_IF_ERROR(context.AddFile("Dockerfile",
                                         "FROM scratch\n"
                                         "COPY busybox /bin/busybox\n"
                                         "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
                                         "ENV PATH=/bin\n"
                                         "CMD [\"/bin/sh\"]\n"));
  KELOLA_RETURN_IF_ERROR(context.AddFile("busybox", *busybox, 0755));
  const std::string labels = json{{kTestLabel, "1"}}.dump();
  auto reply = Call("POST", "/build?t=" + UrlEncode(tag) + "&rm=1&forcerm=1&labels=" + UrlEncode(labels),
                    context.Finish(), "application/x-tar");
  const std::string what = "building image " + tag;
  KELOLA_RETURN_IF_ERROR(ExpectStatus(reply, 200, what));
  // The engine answers 200 even when the build fails: the stream says.
  KELOLA_RETURN_IF_ERROR(CheckProgressStream(reply->body, what));
  return ExpectStatus(Call("GET", "/images/" + tag + "/json"), 200, "inspecting image " + tag);
}

Status DockerEngine::TagImage(const std::string& source, const std::string& repo, const std::string& tag) {
  return ExpectStatus(Call("POST", "/images/" + source + "/tag?repo=" + UrlEncode(repo) + "&tag=" + UrlEncode(tag)),
                      201, "tagging " + source + " as " + repo + ":" + tag);
}

Status DockerEngine::PushImage(const std::string& repo, const std::string& tag) {
  // The engine refuses a push without X-Registry-Auth even when the
  // registry needs none; e30= is base64 of "{}".
  auto reply = Call("POST", "/images/" + repo + "/push?tag=" + UrlEncode(tag), "", "", {"X-Registry-Auth: e30="});
  const std::string what = "pushing " + repo + ":" + tag;
  KELOLA_RETURN_IF_ERROR(ExpectStatus(reply, 200, what));
  return CheckProgressStream(reply->body, what);
}

Result<DockerEngine::ContainerRun> DockerEngine::RunContainer(const std::string& image,
                                                              const std::vector<std::string>& cmd) {
  json spec = {
      {"Image", image}, {"Cmd", cmd}, {"Labels", {{kTestLabel, "1"}}}, {"HostConfig", {{"NetworkMode", "none"}}}};
  auto created = Call("POST", "/containers/create", spec.dump(), "application/json");
  KELOLA_RETURN_IF_ERROR(ExpectStatus(created, 201, "creating a container from " + image));
  json created_body = json::parse(created->body, nullptr, false);
  if (!created_body.is_object() || !created_body.contains("Id") || !created_body["Id"].is_string()) {
    return InternalError("container create answered without an Id: " + created->body);
  }
  const std::string id = created_body["Id"].get<std::string>();
  // Removes the container however this function returns.
  struct Remover {
    DockerEngine* engine;
    std::string id;
    ~Remover() { (void)engine->Call("DELETE", "/containers/" + id + "?force=1"); }
  } remover{this, id};

  KELOLA_RETURN_IF_ERROR(ExpectStatus(Call("POST", "/containers/" + id + "/start"), 204, "starting container " + id));
  auto waited = Call("POST", "/containers/" + id + "/wait");
  KELOLA_RETURN_IF_ERROR(ExpectStatus(waited, 200, "waiting for container " + id));
  json wait_body = json::parse(waited->body, nullptr, false);
  if (!wait_body.is_object() || !wait_body.contains("StatusCode") || !wait_body["StatusCode"].is_number_integer()) {
    return InternalError("container wait answered without a StatusCode: " + waited->body);
  }
  auto logs = Call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1");
  KELOLA_RETURN_IF_ERROR(ExpectStatus(logs, 200, "reading logs of container " + id));
  KELOLA_ASSIGN_OR_RETURN(ContainerOutput output, DemuxDockerLogs(logs->body));
  ContainerRun run;
  run.exit_code = wait_body["StatusCode"].get<int>();
  run.output = std::move(output);
  return run;
}

}  // namespace kelola::harness
