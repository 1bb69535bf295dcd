#include "tests/harness/moto_server.h"

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"

namespace kelola::harness {
namespace {

constexpr int kPortAttempts = 3;
constexpr auto kReadyTimeout = std::chrono::seconds(30);

}  // namespace

std::optional<std::string> FindMotoServer() {
  const char* venv = std::getenv("KELOLA_VENV");
  const std::string base = venv != nullptr && *venv != '\0' ? venv : "/opt/kelola-venv";
  const std::string in_venv = base + "/bin/moto_server";
  if (access(in_venv.c_str(), X_OK) == 0) return in_venv;
  return FindExecutable("moto_server");
}

Result<std::unique_ptr<MotoServer>> MotoServer::Start(const MotoServerOptions& options) {
  auto binary = FindMotoServer();
  if (!binary) {
    return FailedPreconditionError(
        "moto_server is not installed: run scripts/install-deps (it creates the venv /opt/kelola-venv with "
        "moto[server]; KELOLA_VENV moves it)");
  }
  KELOLA_ASSIGN_OR_RETURN(auto dir, TempDir::Create("kelola-moto"));
  Status last = OkStatus();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    KELOLA_ASSIGN_OR_RETURN(int port, FreePort());
    SpawnOptions spawn;
    spawn.argv = {*binary, "-H", "127.0.0.1", "-p", std::to_string(port)};
    spawn.log_path = dir->File("moto.log");
    // No real AWS credentials or config from the caller's environment leak in.
    spawn.env = {"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_CONFIG_FILE=/dev/null", "PYTHONUNBUFFERED=1"};
    if (options.auth_after_requests >= 0) {
      spawn.env.push_back("INITIAL_NO_AUTH_ACTION_COUNT=" + std::to_string(options.auth_after_requests));
    }
    KELOLA_ASSIGN_OR_RETURN(auto process, ChildProcess::Spawn(spawn));

    HttpRequestSpec probe;
    probe.url = "http://127.0.0.1:" + std::to_string(port) + "/moto-api/";
    probe.timeout = std::chrono::seconds(2);
    Clock& clock = SystemClock();
    const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
    while (process->Running() && clock.Monotonic() < deadline) {
      auto reply = HttpCall(probe);
      if (reply.ok() && reply->status == 200) {
        return std::unique_ptr<MotoServer>(new MotoServer(std::move(dir), std::move(process), port));
      }
      last = reply.ok() ? UnavailableError("GET /moto-api/ answered " + std::to_string(reply->status)) : reply.status();
      // Real time on purpose: waiting for a real server to come up.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    process->Stop();
    const std::string log = TailOfFile(spawn.log_path);
    last = UnavailableError("moto_server on 127.0.0.1:" + std::to_string(port) + " did not become ready (" +
                            last.ToString() + "); log:\n" + log);
    if (log.find("Address already in use") == std::string::npos) break;
  }
  return last;
}

Status MotoServer::Reset() {
  HttpRequestSpec reset;
  reset.method = "POST";
  reset.url = url() + "/moto-api/reset";
  KELOLA_ASSIGN_OR_RETURN(HttpReply reply, HttpCall(reset));
  if (reply.status != 200) return InternalError("POST /moto-api/reset answered " + std::to_string(reply.status));
  return OkStatus();
}

MotoServer::~MotoServer() {
  process_.reset();
  dir_.reset();
}

}  // namespace kelola::harness
