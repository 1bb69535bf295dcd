// kelola server: runs the control plane until SIGTERM or SIGINT.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/logging.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "daemon/server_config.h"

namespace kelola {
namespace {

struct ServerFlags {
  std::string config_file;
  std::string listen;
  std::string data_dir;
  std::string log_format;
  std::string log_level;
};

int RunServer(const ServerFlags& f) {
  std::map<std::string, std::string> flags;
  if (!f.listen.empty()) flags["listen"] = f.listen;
  if (!f.data_dir.empty()) flags["data_dir"] = f.data_dir;
  if (!f.log_format.empty()) flags["log.format"] = f.log_format;
  if (!f.log_level.empty()) flags["log.level"] = f.log_level;
  std::string config_file = f.config_file;
  if (config_file.empty()) {
    if (const char* env = std::getenv("KELOLA_CONFIG")) config_file = env;
  }
  auto config = LoadConfig(ServerConfigSchema(), config_file, KelolaEnvironment(), flags);
  if (!config.ok()) return ReportError(config.status());
  if (!StartLogging(config->GetString("log.format"), config->GetString("log.level")).ok()) {
    return ReportError(InvalidArgumentError("log settings"));
  }
  auto options = ServerOptionsFromConfig(*config);
  if (!options.ok()) return ReportError(options.status());

  // Blocked in every thread; this thread waits for them below.
  const sigset_t signals = BlockShutdownSignals();

  ServerDaemon daemon(*options);
  auto started = daemon.Start();
  if (!started.ok()) {
    LogError("kelola server failed to start", {{"error", started.status().ToString()}});
    return ReportError(started.status());
  }
  std::cout << "kelola server is running at " << started->url << "\n";
  if (!started->new_admin_token.empty()) {
    std::cout << "first start: created an admin token (also in " << options->data_dir << "/admin.token, mode 0600):\n  "
              << started->new_admin_token << "\n"
              << "try: KELOLA_TOKEN=<token> kelola get hosts --server " << started->url << "\n";
  }
  std::cout << std::flush;
  WaitForShutdownSignal(signals, "shutting down");
  daemon.Stop();
  return 0;
}

}  // namespace

void AddServerCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("server", "Run the control plane (REST API, controllers, embedded store)");
  auto f = std::make_shared<ServerFlags>();
  cmd->add_option("--config", f->config_file, "YAML config file (keys: see docs/config.md)");
  cmd->add_option("--listen", f->listen, "address:port to serve on (default 127.0.0.1:7480)");
  cmd->add_option("--data-dir", f->data_dir, "state directory (default ./.kelola)");
  cmd->add_option("--log-format", f->log_format, "text or json");
  cmd->add_option("--log-level", f->log_level, "debug, info, warn or error");
  cmd->callback([&exit_code, f] { exit_code = RunServer(*f); });
}

}  // namespace kelola
