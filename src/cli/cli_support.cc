#include "cli/cli_support.h"

#include <iostream>

#include "base/config.h"

namespace kelola {

int ExitCodeFor(const Status& s) {
  if (s.ok()) return 0;
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int ReportError(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return ExitCodeFor(s);
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

}  // namespace kelola
