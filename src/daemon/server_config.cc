#include "daemon/server_config.h"

#include "store/postgres_store.h"

namespace kelola {

const ConfigSchema& ServerConfigSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "listen",
           .type = ConfigType::kString,
           .default_value = "127.0.0.1:7480",
           .description = "address and port the API listens on."});
    s.Add({.name = "data_dir",
           .type = ConfigType::kString,
           .default_value = ".kelola",
           .description = "state directory: SQLite database, master key, first admin token."});
    s.Add({.name = "store",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "where state lives: empty = SQLite in data_dir; a postgres:// or postgresql:// URL = "
                          "PostgreSQL, shared by several server replicas (see docs/operations.md).",
           .secret = true});
    s.Add({.name = "master_key",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "base64 32-byte key sealing secrets; empty = DATA_DIR/master.key.",
           .secret = true});
    s.Add({.name = "log.format",
           .type = ConfigType::kString,
           .default_value = "text",
           .description = "log line format.",
           .allowed = {"text", "json"}});
    s.Add({.name = "log.level",
           .type = ConfigType::kString,
           .default_value = "info",
           .description = "least severe level logged.",
           .allowed = {"debug", "info", "warn", "error"}});
    s.Add({.name = "http.io_threads",
           .type = ConfigType::kInt,
           .default_value = "0",
           .description = "I/O threads of the API server; 0 = one per core.",
           .min = 0,
           .max = 256});
    s.Add({.name = "http.max_body_bytes",
           .type = ConfigType::kInt,
           .default_value = "8388608",
           .description = "largest request body accepted (413 above).",
           .min = 1024,
           .max = 1LL << 30});
    s.Add({.name = "files.max_bytes",
           .type = ConfigType::kInt,
           .default_value = "1073741824",
           .description = "largest file accepted by PUT /v1/files (what kelola copy sends), streamed to "
                          "data_dir/files (413 above).",
           .min = 0,
           .max = 1LL << 40});
    s.Add({.name = "tls.cert_file",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "PEM certificate chain; with tls.key_file the API serves HTTPS only."});
    s.Add({.name = "tls.key_file",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "PEM private key for tls.cert_file."});
    return s;
  }();
  return schema;
}

Result<ServerOptions> ServerOptionsFromConfig(const Config& config) {
  ServerOptions o;
  o.listen = config.GetString("listen");
  o.data_dir = config.GetString("data_dir");
  o.master_key_base64 = config.GetString("master_key");
  o.store = config.GetString("store");
  if (!o.store.empty() && !IsPostgresUrl(o.store)) {
    // The value may hold a password: say what is wrong, not what it is.
    return InvalidArgumentError("store must be empty (SQLite in data_dir) or a postgres:// or postgresql:// URL (" +
                                config.SourceOf("store") + ")");
  }
  o.io_threads = static_cast<int>(config.GetInt("http.io_threads"));
  o.max_body_bytes = config.GetInt("http.max_body_bytes");
  o.max_file_bytes = config.GetInt("files.max_bytes");
  o.tls_cert_file = config.GetString("tls.cert_file");
  o.tls_key_file = config.GetString("tls.key_file");
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return InvalidArgumentError("tls.cert_file and tls.key_file must be set together (" +
                                config.SourceOf(o.tls_cert_file.empty() ? "tls.key_file" : "tls.cert_file") + ")");
  }
  std::string host;
  uint16_t port = 0;
  KELOLA_RETURN_IF_ERROR(ParseListenAddress(o.listen, host, port).WithContext(config.SourceOf("listen")));
  return o;
}

}  // namespace kelola
