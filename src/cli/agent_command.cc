// kelola agent: tails log files and ships them to kelola server until
// SIGTERM or SIGINT (then saves its checkpoints and exits 0).
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/agent_config.h"
#include "agent/agent_daemon.h"
#include "base/logging.h"
#include "cli/cli_support.h"
#include "cli/commands.h"

namespace kelola {
namespace {

struct AgentFlags {
  std::string config_file;
  std::string server;
  std::string data_dir;
  std::string log_level;
};

int RunAgent(const AgentFlags& f) {
  std::map<std::string, std::string> flags;
  if (!f.server.empty()) flags["server"] = f.server;
  if (!f.data_dir.empty()) flags["data_dir"] = f.data_dir;
  // Unlike the CLI's verbs, the agent takes KELOLA_SERVER and KELOLA_TOKEN as its server and token keys.
  auto config = LoadConfig(AgentConfigSchema(), f.config_file,
                           KelolaEnvironment({"KELOLA_CONFIG", "KELOLA_BINARY", "KELOLA_SOURCE_DIR"}), flags);
  if (!config.ok()) return ReportError(config.status());
  Status logging = StartLogging("text", f.log_level.empty() ? "info" : f.log_level);
  if (!logging.ok()) return ReportError(logging);
  auto options = AgentOptionsFromConfig(*config);
  if (!options.ok()) return ReportError(options.status());

  const sigset_t signals = BlockShutdownSignals();

  AgentDaemon daemon(*options);
  Status started = daemon.Start();
  if (!started.ok()) return ReportError(started);
  std::cout << "kelola agent " << options->name << " is shipping to " << options->server;
  if (daemon.metrics_port() != 0) std::cout << "; metrics on port " << daemon.metrics_port();
  std::cout << "\n" << std::flush;
  WaitForShutdownSignal(signals, "agent shutting down");
  daemon.Stop();
  return 0;
}

}  // namespace

void AddAgentCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("agent", "Tail log files and ship them to kelola server");
  auto f = std::make_shared<AgentFlags>();
  cmd->add_option("--config", f->config_file, "YAML config file (keys: see docs/agent-config.md)")->required();
  cmd->add_option("--server", f->server, "server URL (overrides the config's server)");
  cmd->add_option("--data-dir", f->data_dir, "checkpoint directory (overrides the config's data_dir)");
  cmd->add_option("--log-level", f->log_level, "debug, info, warn or error");
  cmd->callback([&exit_code, f] { exit_code = RunAgent(*f); });
}

}  // namespace kelola
