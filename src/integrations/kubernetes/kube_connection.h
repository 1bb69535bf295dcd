// KubeConnection: where a Kubernetes API server is and how kelola proves who
// it is there, from explicit values or from a kubeconfig file.
//
// ParseKubeconfig reads the current context (or the one named) of a
// kubeconfig's YAML: its cluster's server and CA (certificate-authority file
// or certificate-authority-data) and its user's credentials (token,
// tokenFile, client-certificate/-key files or their -data). Relative paths
// are resolved against the kubeconfig's directory, as kubectl does. It never
// touches the filesystem, so it is safe to fuzz (fuzz/kubeconfig_fuzz.cc).
//
// Refused, with an InvalidArgument naming the kubeconfig and the entry:
// insecure-skip-tls-verify (give the cluster's CA instead), exec and
// auth-provider plugins, username/password, a server that is not https.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

struct KubeConnection {
  std::string server;  // "https://127.0.0.1:6443"
  // The cluster's CA: a PEM file or the PEM itself (either may be empty:
  // the system roots are then used).
  std::string ca_file;
  std::string ca_pem;
  // Exactly one way to authenticate: a bearer token (or a file holding it),
  // or a client certificate and key (files or PEM).
  std::string token;
  std::string token_file;
  std::string client_cert_file, client_key_file;
  std::string client_cert_pem, client_key_pem;
  std::string default_namespace;  // the context's namespace, "" when unset
};

// `source` names the input in errors (a path); `base_dir` resolves relative
// file references; `context` "" means current-context.
Result<KubeConnection> ParseKubeconfig(std::string_view yaml, std::string_view source, std::string_view base_dir,
                                       std::string_view context = "");

// Reads `path` and parses it (NotFound when the file is missing).
Result<KubeConnection> LoadKubeconfig(const std::string& path, std::string_view context = "");

// Checks that a connection is usable: an https server and one way to
// authenticate. InvalidArgument saying what is missing.
Status ValidateKubeConnection(const KubeConnection& connection);

}  // namespace kelola
