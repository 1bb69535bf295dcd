#include "integrations/kubernetes/kube_connection.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "base/crypto.h"

namespace kelola {
namespace {

std::string Resolve(std::string_view base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return std::string(base_dir) + "/" + path;
}

// The map whose "name" is `name` in the list `key` ("clusters", "users",
// "contexts"), then its `field` ("cluster", "user", "context").
Result<YAML::Node> NamedEntry(const YAML::Node& root, const std::string& key, const std::string& field,
                              const std::string& name, const std::string& where) {
  const YAML::Node list = root[key];
  if (list && !list.IsSequence()) return InvalidArgumentError(where + ": " + key + " is not a list");
  if (list) {
    for (const auto& entry : list) {
      if (!entry.IsMap()) return InvalidArgumentError(where + ": an entry of " + key + " is not a map");
      const YAML::Node entry_name = entry["name"];
      if (entry_name && entry_name.IsScalar() && entry_name.Scalar() == name) {
        const YAML::Node body = entry[field];
        if (!body || body.IsNull()) return YAML::Node(YAML::NodeType::Map);
        if (!body.IsMap()) {
          return InvalidArgumentError(where + ": " + key + " entry \"" + name + "\": " + field + " is not a map");
        }
        return body;
      }
    }
  }
  return InvalidArgumentError(where + ": no " + field + " named \"" + name + "\" in " + key);
}

// A scalar field as a string ("" when absent); error when it is not a scalar.
Result<std::string> Scalar(const YAML::Node& map, const std::string& key, const std::string& where) {
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) return std::string();
  if (!v.IsScalar()) return InvalidArgumentError(where + ": " + key + " is not a string");
  return v.Scalar();
}

Result<std::string> Data(const YAML::Node& map, const std::string& key, const std::string& where) {
  KELOLA_ASSIGN_OR_RETURN(std::string text, Scalar(map, key, where));
  if (text.empty()) return text;
  auto decoded = Base64Decode(text);
  if (!decoded.ok()) return InvalidArgumentError(where + ": " + key + " is not base64");
  return *decoded;
}

Result<KubeConnection> Parse(const YAML::Node& root, std::string_view source, std::string_view base_dir,
                             std::string_view wanted_context) {
  const std::string file = "kubeconfig " + std::string(source);
  if (!root.IsMap()) return InvalidArgumentError(file + ": not a YAML map");
  std::string context_name(wanted_context);
  if (context_name.empty()) {
    KELOLA_ASSIGN_OR_RETURN(context_name, Scalar(root, "current-context", file));
    if (context_name.empty()) return InvalidArgumentError(file + ": no current-context and no context given");
  }
  KELOLA_ASSIGN_OR_RETURN(YAML::Node context, NamedEntry(root, "contexts", "context", context_name, file));
  const std::string cwhere = file + ": context \"" + context_name + "\"";
  KELOLA_ASSIGN_OR_RETURN(std::string cluster_name, Scalar(context, "cluster", cwhere));
  KELOLA_ASSIGN_OR_RETURN(std::string user_name, Scalar(context, "user", cwhere));
  if (cluster_name.empty()) return InvalidArgumentError(cwhere + " names no cluster");
  KubeConnection c;
  KELOLA_ASSIGN_OR_RETURN(c.default_namespace, Scalar(context, "namespace", cwhere));

  KELOLA_ASSIGN_OR_RETURN(YAML::Node cluster, NamedEntry(root, "clusters", "cluster", cluster_name, file));
  const std::string clwhere = file + ": cluster \"" + cluster_name + "\"";
  KELOLA_ASSIGN_OR_RETURN(c.server, Scalar(cluster, "server", clwhere));
  KELOLA_ASSIGN_OR_RETURN(std::string insecure, Scalar(cluster, "insecure-skip-tls-verify", clwhere));
  if (insecure == "true") {
    return InvalidArgumentError(clwhere +
                                ": insecure-skip-tls-verify is refused (kelola always verifies TLS): give the "
                                "cluster's certificate-authority instead");
  }
  KELOLA_ASSIGN_OR_RETURN(std::string ca_file, Scalar(cluster, "certificate-authority", clwhere));
  c.ca_file = Resolve(base_dir, ca_file);
  KELOLA_ASSIGN_OR_RETURN(c.ca_pem, Data(cluster, "certificate-authority-data", clwhere));

  if (!user_name.empty()) {
    KELOLA_ASSIGN_OR_RETURN(YAML::Node user, NamedEntry(root, "users", "user", user_name, file));
    const std::string uwhere = file + ": user \"" + user_name + "\"";
    for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
      if (user[unsupported]) {
        return InvalidArgumentError(uwhere + ": " + unsupported +
                                    " is not supported; use a token, tokenFile or a client certificate");
      }
    }
    KELOLA_ASSIGN_OR_RETURN(c.token, Scalar(user, "token", uwhere));
    KELOLA_ASSIGN_OR_RETURN(std::string token_file, Scalar(user, "tokenFile", uwhere));
    c.token_file = Resolve(base_dir, token_file);
    KELOLA_ASSIGN_OR_RETURN(std::string cert, Scalar(user, "client-certificate", uwhere));
    KELOLA_ASSIGN_OR_RETURN(std::string key, Scalar(user, "client-key", uwhere));
    c.client_cert_file = Resolve(base_dir, cert);
    c.client_key_file = Resolve(base_dir, key);
    KELOLA_ASSIGN_OR_RETURN(c.client_cert_pem, Data(user, "client-certificate-data", uwhere));
    KELOLA_ASSIGN_OR_RETURN(c.client_key_pem, Data(user, "client-key-data", uwhere));
  }
  Status valid = ValidateKubeConnection(c);
  if (!valid.ok()) return InvalidArgumentError(cwhere + ": " + std::string(valid.message()));
  return c;
}

}  // namespace

Status ValidateKubeConnection(const KubeConnection& c) {
  if (c.server.rfind("https://", 0) != 0 || c.server.size() <= 8) {
    return InvalidArgumentError("the API server \"" + c.server + "\" is not an https:// URL");
  }
  const bool has_token = !c.token.empty() || !c.token_file.empty();
  const bool has_cert = !c.client_cert_file.empty() || !c.client_cert_pem.empty();
  const bool has_key = !c.client_key_file.empty() || !c.client_key_pem.empty();
  if (has_cert != has_key) return InvalidArgumentError("a client certificate needs its key, and a key its certificate");
  if (!has_token && !has_cert) {
    return InvalidArgumentError("no credentials: give a bearer token, a token file or a client certificate and key");
  }
  return OkStatus();
}

Result<KubeConnection> ParseKubeconfig(std::string_view yaml, std::string_view source, std::string_view base_dir,
                                       std::string_view context) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return Parse(root, source, base_dir, context);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("kubeconfig " + std::string(source) + ": line " + std::to_string(e.mark.line + 1) +
                                ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError("kubeconfig " + std::string(source) + ": " + e.what());
  }
}

Result<KubeConnection> LoadKubeconfig(const std::string& path, std::string_view context) {
  std::ifstream in(path);
  if (!in) return NotFoundError("kubeconfig " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return ParseKubeconfig(text.str(), path, dir, context);
}

}  // namespace kelola
