// kelola: one binary for the control plane (`kelola server`) and the CLI.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kelola: fleet, delivery and logs automation for teams that run many servers", "kelola"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the verb: kelola get hosts -o yaml
  app.set_version_flag("--version", std::string("kelola ") + KELOLA_VERSION);
  kelola::GlobalFlags flags;
  app.add_option("--server", flags.server, "API URL (default $KELOLA_SERVER or http://127.0.0.1:7480)");
  app.add_option("--token", flags.token, "API token (default $KELOLA_TOKEN)");
  app.add_option("-o,--output", flags.output, "table, json or yaml")->capture_default_str();
  app.add_option("--client-config", flags.client_config, "client config (default ~/.config/kelola/config.yaml)");

  int exit_code = 0;
  kelola::AddServerCommand(app, exit_code);
  kelola::AddResourceCommands(app, flags, exit_code);
  kelola::AddEventsCommand(app, flags, exit_code);
  kelola::AddTokenCommand(app, flags, exit_code);
  kelola::AddVersionCommand(app, flags, exit_code);
  kelola::AddExecCommands(app, flags, exit_code);
  kelola::AddAgentCommand(app, exit_code);
  kelola::AddLogsCommand(app, flags, exit_code);
  kelola::AddPipelineCommands(app, flags, exit_code);
  kelola::AddAnalyzeCommands(app, exit_code);
  kelola::AddEvalSessionsCommand(*app.get_subcommand("analyze"), exit_code);
  kelola::AddAlertsCommands(app, flags, exit_code);
  kelola::AddFleetCommands(app, flags, exit_code);
  kelola::AddScaleCommands(app, flags, exit_code);
  kelola::AddDeployCommands(app, flags, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help or the usage error
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
