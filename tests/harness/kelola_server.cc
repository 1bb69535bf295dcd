#include "tests/harness/kelola_server.h"

#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/harness/free_port.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

std::string KelolaBinary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

Result<std::unique_ptr<KelolaServer>> KelolaServer::Start(KelolaServerOptions options) {
  if (options.data_dir.empty()) return InvalidArgumentError("KelolaServer: data_dir is required");
  if (options.log_path.empty()) options.log_path = options.data_dir + ".log";
  if (options.port == 0) {
    KELOLA_ASSIGN_OR_RETURN(options.port, FreePort());
  }
  std::unique_ptr<KelolaServer> server(new KelolaServer(std::move(options)));
  KELOLA_RETURN_IF_ERROR(server->Spawn());
  return server;
}

KelolaServer::KelolaServer(KelolaServerOptions options)
    : options_(std::move(options)),
      url_("http://127.0.0.1:" + std::to_string(options_.port)),
      home_(options_.data_dir + ".home") {
  ::mkdir(home_.c_str(), 0700);
}

KelolaServer::~KelolaServer() = default;

Status KelolaServer::Spawn() {
  std::vector<std::string> argv = {KelolaBinary(), "server",
                                   "--listen",     "127.0.0.1:" + std::to_string(options_.port),
                                   "--data-dir",   options_.data_dir};
  if (!options_.config_yaml.empty()) {
    std::string config = options_.data_dir + ".yaml";
    KELOLA_RETURN_IF_ERROR(WriteFile(config, options_.config_yaml));
    argv.push_back("--config");
    argv.push_back(config);
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  KELOLA_ASSIGN_OR_RETURN(process_,
                          ChildProcess::Spawn({.argv = argv, .log_path = options_.log_path, .env = options_.env}));
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  std::string token_path = options_.data_dir + "/admin.token";
  while (!PortAcceptsConnections(options_.port) || !std::filesystem::exists(token_path)) {
    if (!process_->Running()) {
      return InternalError("kelola server exited (" + std::to_string(process_->exit_code().value_or(-1)) + "):\n" +
                           LogTail());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return DeadlineExceededError("kelola server did not start within the timeout:\n" + LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return OkStatus();
}

std::string KelolaServer::AdminToken() const {
  auto t = ReadFile(options_.data_dir + "/admin.token");
  std::string s = t.ok() ? *t : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool KelolaServer::Running() { return process_ && process_->Running(); }

void KelolaServer::Stop(Duration grace) {
  if (process_) process_->Stop(grace);
}

void KelolaServer::Kill() {
  if (!process_) return;
  ::kill(process_->pid(), SIGKILL);
  process_->Stop(std::chrono::seconds(5));  // reaps it
}

Status KelolaServer::Restart() {
  Stop();
  return Spawn();
}

pid_t KelolaServer::pid() const { return process_ ? process_->pid() : -1; }

std::string KelolaServer::LogTail() const { return TailOfFile(options_.log_path); }

Result<CommandResult> KelolaServer::Cli(const std::vector<std::string>& args, const std::string& token,
                                        const std::string& input, Duration timeout) const {
  std::vector<std::string> argv = {"/usr/bin/env",          "-i",
                                   "HOME=" + home_,         "PATH=/usr/bin:/bin",
                                   "KELOLA_SERVER=" + url_, "KELOLA_TOKEN=" + (token.empty() ? AdminToken() : token),
                                   KelolaBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, timeout, input);
}

}  // namespace kelola::harness
