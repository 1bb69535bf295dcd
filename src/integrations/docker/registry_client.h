// RegistryClient: the OCI distribution API of a registry, for what the
// pipeline must check after a push — the digest a tag points to (HEAD
// /v2/<repo>/manifests/<tag> with every manifest media type in Accept, read
// Docker-Content-Digest) and a repository's tags (GET /v2/<repo>/tags/list).
//
// Authentication: anonymous, HTTP Basic, or the token flow (a 401 with
// `WWW-Authenticate: Bearer realm=...,service=...,scope=...` → GET realm
// with the credentials → {"token"} → retry with `Authorization: Bearer`).
// TLS is verified; plain HTTP is used only for loopback registries
// (127.0.0.0/8, localhost, [::1] — insecure to the Docker engine by default
// too) and those listed in `insecure_registries`. Credentials are never
// logged or put into errors; a token realm must be https (or loopback).
// Errors: NotFound for an unknown repository or tag, PermissionDenied when
// the registry refuses the credentials, Unavailable when it cannot be
// reached, Internal for answers that break the protocol.
// Thread-safety: all methods may be called from several threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "integrations/docker/image_reference.h"
#include "net/http_client.h"
#include "runner/image_builder.h"

namespace kelola::docker {

struct RegistryClientOptions {
  std::vector<std::string> insecure_registries;  // "host:port" served over plain HTTP
  std::string ca_file;                           // extra CA for private registries
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

class RegistryClient {
 public:
  // The manifest media types asked for, docker v2 and OCI, lists and indexes.
  static const char* const kManifestAccept;

  explicit RegistryClient(RegistryClientOptions options = {});
  ~RegistryClient();

  // `image` names a tag ("127.0.0.1:5000/app:1.2"; no tag = "latest").
  Result<std::string> ManifestDigest(const std::string& image, const RegistryCredentials& credentials);
  Result<std::vector<std::string>> ListTags(const std::string& repository, const RegistryCredentials& credentials);

  // "http://" for loopback and insecure registries, "https://" otherwise.
  std::string BaseUrl(const ImageReference& ref) const;

 private:
  Result<ClientResponse> Get(const std::string& method, const std::string& url, const std::string& accept,
                             const RegistryCredentials& credentials);
  Result<std::string> FetchToken(const std::string& challenge, const RegistryCredentials& credentials);

  RegistryClientOptions options_;
  std::unique_ptr<HttpClient> http_;
};

// Parses `Bearer realm="...",service="...",scope="..."` into its params
// (lowercase keys); empty when the scheme is not Bearer.
std::vector<std::pair<std::string, std::string>> ParseBearerChallenge(std::string_view header);

}  // namespace kelola::docker
