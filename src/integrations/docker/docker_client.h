// DockerClient: the project's docker-py — the Docker Engine API over the
// engine's unix socket (src/net's HttpClient).
//
// Connect() negotiates the API version: GET /_ping (no version prefix),
// read Api-Version, use the lower of it and kMaxApiVersion in every path
// ("/v1.41/..."). Images: Build (a context tar streamed to POST /build, the
// JSON-lines progress parsed, an error inside the 200 stream is an error
// naming the failing instruction), Tag, Push (X-Registry-Auth, the pushed
// digest from the stream), Pull, Inspect. Containers: create (name,
// hostname, network + fixed address, CPU/memory limits, restart policy),
// start, inspect, list by label (stopped ones included), logs (the
// multiplexed stream decoded), wait, kill, remove, exec (output read, or
// detached), a tar put into the filesystem (PUT /containers/{id}/archive).
// Networks (docker_client_networks.cc): create a bridge with labels and an
// IPAM subnet, list by label, inspect, remove; the engine's CPU count.
//
// Registry credentials travel only base64url-encoded in X-Registry-Auth and
// are never logged or put into an error message.
// Errors: Unavailable when the engine does not answer; NotFound for a
// missing image, container or network; AlreadyExists for a container or
// network name in use (409); InvalidArgument for a failing build or a bad
// argument; FailedPrecondition for a network whose subnet overlaps another
// or that still has containers; PermissionDenied when a registry refuses credentials;
// Unavailable for a registry that cannot be reached during a push;
// Cancelled when `keep_going` (polled about once a second, output or
// not) asked to stop; Internal for answers the
// engine should not give.
// Thread-safety: all methods may be called from several threads.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "integrations/docker/engine_objects.h"
#include "integrations/docker/log_stream_decoder.h"
#include "integrations/docker/progress_stream.h"
#include "net/http_client.h"
#include "runner/image_builder.h"

namespace kelola::docker {

struct DockerClientOptions {
  std::string socket_path = "/var/run/docker.sock";
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
};

struct BuildParams {
  std::string context_tar;  // path of the tar written by WriteBuildContext
  std::string dockerfile = "Dockerfile";
  std::vector<std::string> tags;
  std::map<std::string, std::string> build_args;
  std::map<std::string, std::string> labels;
};

struct MountSpec {
  std::string source;  // host path
  std::string target;  // path in the container
  bool read_only = false;
};

struct ContainerParams {
  std::string image;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::map<std::string, std::string> env;
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::vector<MountSpec> mounts;
  std::string name;            // "" = a name the engine picks
  std::string hostname;        // "" = the engine's (the short ID)
  std::string network;         // attach to this network only ("" = the default bridge)
  std::string ipv4_address;    // fixed address on `network` ("" = automatic)
  int64_t nano_cpus = 0;       // CPU limit in 1e-9 CPUs; 0 = none
  int64_t memory_bytes = 0;    // memory limit; 0 = none
  std::string restart_policy;  // "no", "on-failure", "always"...; "" = the engine's ("no")
};

struct NetworkParams {
  std::string name;
  std::string driver = "bridge";
  std::map<std::string, std::string> labels;
  std::string subnet;    // IPAM subnet "10.20.0.0/16"; "" = the engine picks one
  std::string ip_range;  // containers' addresses from this part of subnet; "" = all of it
};

struct ExecOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// X-Registry-Auth: base64url of {"username","password","serveraddress"},
// or of {} (e30=) when anonymous — the engine wants the header even then.
std::string RegistryAuthHeader(const RegistryCredentials& credentials);

class DockerClient {
 public:
  static constexpr const char* kMaxApiVersion = "1.41";
  // Output line callback; `keep_going` is polled as data arrives and may
  // stop a build or push (closing the connection, which the engine honours).
  using LineFn = std::function<void(std::string_view line)>;
  using KeepGoingFn = std::function<bool()>;

  static Result<std::unique_ptr<DockerClient>> Connect(const DockerClientOptions& options = {});

  const std::string& api_version() const { return api_version_; }

  // Returns the image ID ("sha256:...").
  Result<std::string> Build(const BuildParams& params, const LineFn& on_output, const KeepGoingFn& keep_going);
  Status Tag(const std::string& source, const std::string& repository, const std::string& tag);
  // Returns the digest the registry stored ("sha256:...").
  Result<std::string> Push(const std::string& repository, const std::string& tag,
                           const RegistryCredentials& credentials, const LineFn& on_progress,
                           const KeepGoingFn& keep_going);
  Status Pull(const std::string& image, const RegistryCredentials& credentials, const LineFn& on_progress);
  // NotFound when absent. Returns the inspect document (JSON text).
  Result<std::string> InspectImage(const std::string& name);
  Status RemoveImage(const std::string& name);

  Result<std::string> CreateContainer(const ContainerParams& params);  // the container ID
  Status StartContainer(const std::string& id);
  // Streams the container's output (stdout and stderr, from its start):
  // GET /containers/{id}/logs, demultiplexed; with `follow` until it exits,
  // else what the log holds now.
  Status StreamLogs(const std::string& id, bool follow, const LogStreamDecoder::PayloadFn& on_payload);
  Result<int> WaitContainer(const std::string& id);  // the exit code
  Status KillContainer(const std::string& id);       // SIGKILL; OK when it is already gone or stopped
  Status RemoveContainer(const std::string& id);     // force; OK when already gone
  // IDs of all containers (running or not) carrying label key=value.
  Result<std::vector<std::string>> ListContainers(const std::string& label_key, const std::string& label_value);
  // By ID or name. NotFound when absent.
  Result<ContainerInfo> InspectContainer(const std::string& id_or_name);
  // All containers (running or not) carrying every label of `labels`.
  Result<std::vector<ContainerInfo>> ListContainerInfos(const std::map<std::string, std::string>& labels);
  // Runs argv in the running container and collects its output (up to
  // `max_output` bytes per stream). FailedPrecondition when the container
  // is not running.
  Result<ExecOutput> Exec(const std::string& id, const std::vector<std::string>& argv, size_t max_output = 1 << 20);
  // Starts argv in the running container and returns at once (its output
  // is discarded): POST /exec/{id}/start with Detach.
  Status ExecDetached(const std::string& id, const std::vector<std::string>& argv);
  // Extracts a tar (bytes) into the container's filesystem at `path` (a
  // directory that exists in it); works on created, not yet started ones.
  Status PutArchive(const std::string& id, const std::string& path, const std::string& tar);
  // A file or directory of the container's filesystem as a tar (GET
  // /containers/{id}/archive); works on created containers. NotFound when
  // the path does not exist; ResourceExhausted above `max_bytes`.
  Result<std::string> GetArchive(const std::string& id, const std::string& path, size_t max_bytes = 1 << 20);

  // Networks (docker_client_networks.cc). Returns the network ID.
  Result<std::string> CreateNetwork(const NetworkParams& params);
  Result<NetworkInfo> InspectNetwork(const std::string& id_or_name);  // NotFound when absent
  // Networks carrying every label of `labels`.
  Result<std::vector<NetworkInfo>> ListNetworks(const std::map<std::string, std::string>& labels);
  Status RemoveNetwork(const std::string& id_or_name);  // OK when already gone
  // GET /info NCPU: the CPUs the engine can give a container.
  Result<int> CpuCount();

 private:
  DockerClient(std::unique_ptr<HttpClient> http, std::string api_version, DockerClientOptions options)
      : http_(std::move(http)), api_version_(std::move(api_version)), options_(std::move(options)) {}
  std::string Url(const std::string& path) const { return "http://docker/v" + api_version_ + path; }
  Result<ClientResponse> Call(const std::string& method, const std::string& path, const std::string& body = "",
                              HeaderMap headers = {});
  // Sends a request answered by a JSON-lines progress stream into `progress`.
  // `on_status` gets the status lines (not the progress bars).
  Status RunProgress(const ClientRequest& request, ProgressStream& progress, const LineFn& on_status,
                     const KeepGoingFn& keep_going, const std::string& what);

  std::unique_ptr<HttpClient> http_;
  std::string api_version_;
  DockerClientOptions options_;
};

// Engine paths carry container and network IDs and names: letters, digits,
// '_', '-', '.' only (InvalidArgument otherwise, naming `what`).
Status CheckEngineName(const std::string& s, const std::string& what);
// The filters={"label":["k=v",...]} query value (percent-encoded).
std::string LabelFilterQuery(const std::map<std::string, std::string>& labels);

// The engine's error document {"message": "..."} as text; the body itself
// when it is not one.
std::string EngineErrorMessage(const std::string& body);
// The lower of two "major.minor" versions.
std::string LowerApiVersion(const std::string& a, const std::string& b);

}  // namespace kelola::docker
