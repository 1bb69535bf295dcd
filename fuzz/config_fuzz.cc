// libFuzzer target: configuration files are outside input. LoadConfigFromString
// must never crash, hang or leak, and must fail only with InvalidArgument
// naming where the problem is.
//
// Input: YAML text, optionally followed by a NUL byte and NAME=VALUE lines;
// names starting with KELOLA_ become environment variables, others flags.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "base/config.h"

namespace {

const kelola::ConfigSchema& SampleSchema() {
  static const kelola::ConfigSchema* schema = [] {
    using kelola::ConfigType;
    auto* s = new kelola::ConfigSchema;
    s->Add({.name = "listen", .type = ConfigType::kString, .default_value = "127.0.0.1:7480"});
    s->Add({.name = "data_dir", .type = ConfigType::kString, .default_value = "/var/lib/kelola"});
    s->Add({.name = "log.format", .type = ConfigType::kString, .default_value = "text", .allowed = {"text", "json"}});
    s->Add({.name = "log.level",
            .type = ConfigType::kString,
            .default_value = "info",
            .allowed = {"debug", "info", "warn", "error"}});
    s->Add({.name = "workers", .type = ConfigType::kInt, .default_value = "4", .min = 1, .max = 256});
    s->Add({.name = "tls.enabled", .type = ConfigType::kBool, .default_value = "false"});
    s->Add({.name = "tls.cert.path", .type = ConfigType::kString, .default_value = ""});
    s->Add({.name = "shutdown_grace", .type = ConfigType::kDuration, .default_value = "30s"});
    s->Add({.name = "peers", .type = ConfigType::kStringList, .default_value = ""});
    s->Add({.name = "sinks", .type = ConfigType::kObjectList, .default_value = ""});
    s->Add({.name = "store.password", .type = ConfigType::kString, .default_value = "", .secret = true});
    return s;
  }();
  return *schema;
}

void ParseOverrides(std::string_view text, std::map<std::string, std::string>& env,
                    std::map<std::string, std::string>& flags) {
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(line.substr(0, eq));
    std::string value(line.substr(eq + 1));
    (name.starts_with("KELOLA_") ? env : flags)[name] = value;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> env, flags;
  size_t nul = input.find('\0');
  std::string_view yaml = input.substr(0, nul);
  if (nul != std::string_view::npos) ParseOverrides(input.substr(nul + 1), env, flags);

  const kelola::ConfigSchema& schema = SampleSchema();
  auto config = kelola::LoadConfigFromString(schema, yaml, "fuzz.yaml", env, flags);
  if (!config.ok()) {
    const std::string& message = config.status().message();
    bool located =
        message.starts_with("fuzz.yaml") || message.starts_with("environment ") || message.starts_with("flag --");
    if (config.status().code() != kelola::StatusCode::kInvalidArgument || !located) std::abort();
    return 0;
  }
  for (const kelola::ConfigKey& key : schema.keys()) {
    switch (key.type) {
      case kelola::ConfigType::kString: (void)config->GetString(key.name); break;
      case kelola::ConfigType::kInt: (void)config->GetInt(key.name); break;
      case kelola::ConfigType::kBool: (void)config->GetBool(key.name); break;
      case kelola::ConfigType::kDuration: (void)config->GetDuration(key.name); break;
      case kelola::ConfigType::kStringList: (void)config->GetList(key.name); break;
      case kelola::ConfigType::kObjectList: (void)config->GetObjects(key.name); break;
    }
    (void)config->SourceOf(key.name);
  }
  if (config->Dump().find("store.password = <redacted>  # ") == std::string::npos) std::abort();
  return 0;
}
