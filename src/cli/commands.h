// The CLI's verbs. Each Add*Command registers a CLI11 subcommand on `app`
// whose callback stores its exit code in `exit_code`:
//   0 ok, 1 the operation failed, 2 usage or configuration error.
#pragma once

#include <string>

#include "base/status.h"

namespace CLI {
class App;
}

namespace kelola {

struct GlobalFlags {
  std::string server;
  std::string token;
  std::string output = "table";
  std::string client_config;
};

// Exit code for a Status: 2 for usage/config errors, 1 otherwise.
int ExitCodeFor(const Status& s);
// Prints "error: <message>" to stderr and returns ExitCodeFor(s).
int ReportError(const Status& s);

void AddServerCommand(CLI::App& app, int& exit_code);
void AddResourceCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);  // apply, get, delete
void AddEventsCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void AddTokenCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void AddVersionCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void AddExecCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);  // exec, copy, runbook, hosts

// `kelola get KIND [NAME] [-l SELECTOR]`, shared with `kelola hosts`.
int GetResources(const GlobalFlags& flags, const std::string& kind_name, const std::string& name,
                 const std::string& selector);
void AddAgentCommand(CLI::App& app, int& exit_code);
void AddLogsCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code);       // logs query, logs tail
void AddPipelineCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);  // pipelines, runs
void AddAnalyzeCommands(CLI::App& app, int& exit_code);  // analyze eval-templates, analyze parse
// `kelola analyze eval-sessions` on the `analyze` group (src/cli/analyze_sessions_command.cc).
void AddEvalSessionsCommand(CLI::App& analyze, int& exit_code);
void AddAlertsCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);  // alerts list|silence|unsilence
// fleet plan|apply|get|hosts|describe|destroy (src/cli/fleet_commands.cc, docs/fleet.md).
void AddFleetCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void AddScaleCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);  // scale simulate|explain
// deploy, releases, rollback (src/cli/deploy_commands.cc, docs/deploys.md).
void AddDeployCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);

}  // namespace kelola
