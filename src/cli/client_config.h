// Where the CLI finds its server and token, first match wins:
//   1. flags --server / --token
//   2. environment KELOLA_SERVER / KELOLA_TOKEN
//   3. ~/.config/kelola/config.yaml (keys: server, token)
//   4. defaults: http://127.0.0.1:7480, and the token in ./.kelola/admin.token
//      when that file exists (what `make run` creates), so the README's tour
//      works in the checkout with no setup.
#pragma once

#include <map>
#include <string>

#include "base/status.h"

namespace kelola {

struct ClientConfig {
  std::string server;
  std::string token;
  std::string token_source;  // for error messages: "flag --token", "./.kelola/admin.token", ...
};

struct ClientConfigInputs {
  std::string flag_server;
  std::string flag_token;
  std::map<std::string, std::string> env;  // KELOLA_SERVER, KELOLA_TOKEN
  std::string config_file;                 // "" = ~/.config/kelola/config.yaml
  std::string data_dir = ".kelola";
};

// InvalidArgument (exit code 2) when the config file exists but is malformed.
Result<ClientConfig> ResolveClientConfig(const ClientConfigInputs& in);

}  // namespace kelola
