#include "cli/client_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace kelola {
namespace {

std::string DefaultConfigPath() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/kelola/config.yaml";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/kelola/config.yaml";
  return "";
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Lookup(const std::map<std::string, std::string>& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? "" : it->second;
}

}  // namespace

Result<ClientConfig> ResolveClientConfig(const ClientConfigInputs& in) {
  ClientConfig out;
  std::string file_server, file_token;
  std::string path = in.config_file.empty() ? DefaultConfigPath() : in.config_file;
  if (!path.empty()) {
    std::ifstream f(path);
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      try {
        YAML::Node root = YAML::Load(ss.str());
        if (root && !root.IsNull()) {
          if (!root.IsMap()) return InvalidArgumentError(path + ":1:1: expected a map with keys server, token");
          for (const auto& kv : root) {
            std::string key = kv.first.as<std::string>();
            auto where = path + ":" + std::to_string(kv.first.Mark().line + 1) + ":" +
                         std::to_string(kv.first.Mark().column + 1);
            if (!kv.second.IsScalar()) return InvalidArgumentError(where + ": " + key + ": expected a string");
            if (key == "server") {
              file_server = kv.second.as<std::string>();
            } else if (key == "token") {
              file_token = kv.second.as<std::string>();
            } else {
              return InvalidArgumentError(where + ": unknown key \"" + key + "\" (known: server, token)");
            }
          }
        }
      } catch (const YAML::Exception& e) {
        return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg);
      }
    } else if (!in.config_file.empty()) {
      return InvalidArgumentError("--config " + in.config_file + ": cannot read the file");
    }
  }

  if (!in.flag_server.empty()) {
    out.server = in.flag_server;
  } else if (auto v = Lookup(in.env, "KELOLA_SERVER"); !v.empty()) {
    out.server = v;
  } else if (!file_server.empty()) {
    out.server = file_server;
  } else {
    out.server = "http://127.0.0.1:7480";
  }
  while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
  if (out.server.rfind("http://", 0) != 0 && out.server.rfind("https://", 0) != 0) {
    return InvalidArgumentError("server \"" + out.server + "\": expected a URL starting with http:// or https://");
  }

  if (!in.flag_token.empty()) {
    out.token = in.flag_token;
    out.token_source = "flag --token";
  } else if (auto v = Lookup(in.env, "KELOLA_TOKEN"); !v.empty()) {
    out.token = v;
    out.token_source = "environment KELOLA_TOKEN";
  } else if (!file_token.empty()) {
    out.token = file_token;
    out.token_source = path;
  } else {
    std::ifstream f(in.data_dir + "/admin.token");
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      out.token = Trim(ss.str());
      out.token_source = in.data_dir + "/admin.token";
    }
  }
  return out;
}

}  // namespace kelola
