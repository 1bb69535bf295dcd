#include "cli/cli_support.h"

#include <pthread.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "base/config.h"
#include "base/logging.h"

namespace kelola {

int ExitCodeFor(const Status& s) {
  if (s.ok()) return 0;
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int ReportError(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return ExitCodeFor(s);
}

Result<std::string> ReadInputFile(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return InvalidArgumentError(path + ": cannot read the file");
  ss << f.rdbuf();
  return ss.str();
}

Result<std::unique_ptr<ApiClient>> MakeApiClient(const GlobalFlags& flags) {
  ClientConfigInputs in;
  in.flag_server = flags.server;
  in.flag_token = flags.token;
  in.config_file = flags.client_config;
  for (const char* name : {"KELOLA_SERVER", "KELOLA_TOKEN"}) {
    if (const char* v = std::getenv(name)) in.env[name] = v;
  }
  KELOLA_ASSIGN_OR_RETURN(ClientConfig config, ResolveClientConfig(in));
  return std::make_unique<ApiClient>(std::move(config));
}

Status StartLogging(std::string_view format, std::string_view level) {
  KELOLA_ASSIGN_OR_RETURN(LogFormat parsed_format, ParseLogFormat(format));
  KELOLA_ASSIGN_OR_RETURN(LogLevel parsed_level, ParseLogLevel(level));
  InitLogging(parsed_format, parsed_level);
  return OkStatus();
}

sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

void WaitForShutdownSignal(const sigset_t& signals, const char* message) {
  int sig = 0;
  sigwait(&signals, &sig);
  LogInfo(message, {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
}

}  // namespace kelola
