#include "integrations/docker/registry_client.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/crypto.h"

namespace kelola::docker {
namespace {

using nlohmann::json;

bool IsLoopbackHost(std::string_view host_port) {
  std::string_view host = host_port;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
    return host == "[::1]";
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

std::string_view UrlHost(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  return url.substr(0, url.find_first_of("/?#"));
}

std::string BasicAuth(const RegistryCredentials& c) { return "Basic " + Base64Encode(c.username + ":" + c.password); }

}  // namespace

const char* const RegistryClient::kManifestAccept =
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

std::vector<std::pair<std::string, std::string>> ParseBearerChallenge(std::string_view header) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  if (header.size() < 7 ||
      !std::equal(header.begin(), header.begin() + 6, "Bearer",
                  [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                  }) ||
      header[6] != ' ') {
    return params;
  }
  header.remove_prefix(7);
  while (!header.empty()) {
    while (!header.empty() && (header.front() == ' ' || header.front() == ',')) header.remove_prefix(1);
    const size_t eq = header.find('=');
    if (eq == std::string_view::npos) break;
    std::string key(header.substr(0, eq));
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    header.remove_prefix(eq + 1);
    std::string value;
    if (!header.empty() && header.front() == '"') {
      header.remove_prefix(1);
      while (!header.empty() && header.front() != '"') {
        if (header.front() == '\\' && header.size() > 1) header.remove_prefix(1);
        value += header.front();
        header.remove_prefix(1);
      }
      if (!header.empty()) header.remove_prefix(1);
    } else {
      const size_t end = header.find(',');
      value = std::string(header.substr(0, end));
      header = end == std::string_view::npos ? std::string_view() : header.substr(end);
    }
    params.emplace_back(std::move(key), std::move(value));
  }
  return params;
}

RegistryClient::RegistryClient(RegistryClientOptions options) : options_(std::move(options)) {
  HttpClientOptions http;
  http.timeout = options_.timeout;
  http.ca_file = options_.ca_file;
  http.max_retries = 2;
  http_ = std::make_unique<HttpClient>(http);
}

RegistryClient::~RegistryClient() = default;

std::string RegistryClient::BaseUrl(const ImageReference& ref) const {
  const std::string host = ref.ApiHost();
  const bool insecure = IsLoopbackHost(host) ||
                        std::find(options_.insecure_registries.begin(), options_.insecure_registries.end(), host) !=
                            options_.insecure_registries.end();
  return (insecure ? "http://" : "https://") + host;
}

Result<std::string> RegistryClient::FetchToken(const std::string& challenge, const RegistryCredentials& credentials) {
  std::string realm, query;
  for (const auto& [key, value] : ParseBearerChallenge(challenge)) {
    if (key == "realm") {
      realm = value;
    } else if (key == "service" || key == "scope") {
      query += (query.empty() ? "?" : "&") + key + "=" + PercentEncode(value);
    }
  }
  if (realm.empty())
    return PermissionDeniedError("the registry asks for an authentication scheme kelola does not speak");
  const bool https = realm.rfind("https://", 0) == 0;
  if (!https && !(realm.rfind("http://", 0) == 0 && IsLoopbackHost(UrlHost(realm)))) {
    // Credentials go only over TLS (or to this machine).
    return PermissionDeniedError("the registry's token realm " + std::string(UrlHost(realm)) + " is not https");
  }
  ClientRequest request;
  request.url = realm + query;
  if (!credentials.empty()) request.headers["Authorization"] = BasicAuth(credentials);
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, http_->Send(request));
  if (reply.status == 401 || reply.status == 403) {
    return PermissionDeniedError("the registry's token service refused the credentials (HTTP " +
                                 std::to_string(reply.status) + ")");
  }
  json doc = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || !doc.is_object()) {
    return InternalError("the registry's token service answered HTTP " + std::to_string(reply.status));
  }
  for (const char* key : {"token", "access_token"}) {
    auto it = doc.find(key);
    if (it != doc.end() && it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
  }
  return InternalError("the registry's token service answered without a token");
}

Result<ClientResponse> RegistryClient::Get(const std::string& method, const std::string& url, const std::string& accept,
                                           const RegistryCredentials& credentials) {
  ClientRequest request;
  request.method = method;
  request.url = url;
  if (!accept.empty()) request.headers["Accept"] = accept;
  auto reply = http_->Send(request);
  if (!reply.ok()) return UnavailableError("registry " + std::string(UrlHost(url)) + ": " + reply.status().message());
  if (reply->status != 401) return reply;
  auto challenge = reply->headers.find("WWW-Authenticate");
  const std::string scheme = challenge == reply->headers.end() ? "" : challenge->second.substr(0, 6);
  if (scheme == "Basic " || scheme == "basic ") {
    if (credentials.empty())
      return PermissionDeniedError("registry " + std::string(UrlHost(url)) + " needs credentials");
    request.headers["Authorization"] = BasicAuth(credentials);
  } else if (challenge != reply->headers.end()) {
    auto token = FetchToken(challenge->second, credentials);
    if (!token.ok())
      return Status(token.status().code(), "registry " + std::string(UrlHost(url)) + ": " + token.status().message());
    request.headers["Authorization"] = "Bearer " + *token;
  } else {
    return PermissionDeniedError("registry " + std::string(UrlHost(url)) + " answered 401 without a challenge");
  }
  reply = http_->Send(request);
  if (!reply.ok()) return UnavailableError("registry " + std::string(UrlHost(url)) + ": " + reply.status().message());
  if (reply->status == 401 || reply->status == 403) {
    return PermissionDeniedError("registry " + std::string(UrlHost(url)) + " refused the credentials");
  }
  return reply;
}

Result<std::string> RegistryClient::ManifestDigest(const std::string& image, const RegistryCredentials& credentials) {
  KELOLA_ASSIGN_OR_RETURN(ImageReference ref, ParseImageReference(image));
  const std::string tag = ref.digest.empty() ? (ref.tag.empty() ? "latest" : ref.tag) : ref.digest;
  const std::string url = BaseUrl(ref) + "/v2/" + ref.repository + "/manifests/" + tag;
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Get("HEAD", url, kManifestAccept, credentials));
  const std::string what = "manifest " + ref.registry + "/" + ref.repository + ":" + tag;
  if (reply.status == 404) return NotFoundError(what + " not found");
  if (reply.status == 403) return PermissionDeniedError(what + ": access denied");
  if (reply.status != 200) return InternalError(what + ": HTTP " + std::to_string(reply.status));
  auto digest = reply.headers.find("Docker-Content-Digest");
  if (digest == reply.headers.end() || digest->second.rfind("sha256:", 0) != 0) {
    return InternalError(what + ": the registry sent no Docker-Content-Digest");
  }
  return digest->second;
}

Result<std::vector<std::string>> RegistryClient::ListTags(const std::string& repository,
                                                          const RegistryCredentials& credentials) {
  KELOLA_ASSIGN_OR_RETURN(ImageReference ref, ParseImageReference(repository));
  const std::string url = BaseUrl(ref) + "/v2/" + ref.repository + "/tags/list";
  KELOLA_ASSIGN_OR_RETURN(ClientResponse reply, Get("GET", url, "application/json", credentials));
  const std::string what = "tags of " + ref.registry + "/" + ref.repository;
  if (reply.status == 404) return NotFoundError(what + ": repository not found");
  json doc = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || !doc.is_object()) return InternalError(what + ": HTTP " + std::to_string(reply.status));
  std::vector<std::string> tags;
  auto it = doc.find("tags");
  if (it != doc.end() && it->is_array()) {
    for (const json& t : *it) {
      if (t.is_string()) tags.push_back(t.get<std::string>());
    }
  }
  return tags;
}

}  // namespace kelola::docker
