#include "integrations/docker/nginx_site.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace kelola::docker {
namespace {

bool SafeName(const std::string& s) {
  return !s.empty() && s.size() <= 253 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
  });
}

bool ValidPort(const std::string& digits) {
  if (digits.empty() || digits.size() > 5) return false;
  if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return false;
  const int port = std::stoi(digits);
  return port >= 1 && port <= 65535;
}

}  // namespace

Result<std::string> RenderNginxSite(const NginxSite& site) {
  if (!SafeName(site.target)) {
    return InvalidArgumentError("nginx site: target \"" + site.target + "\" must be letters, digits, '-', '_' or '.'");
  }
  if (!SafeName(site.release)) {
    return InvalidArgumentError("nginx site: release \"" + site.release +
                                "\" must be letters, digits, '-', '_' or '.'");
  }
  if (site.listen_port < 1 || site.listen_port > 65535) {
    return InvalidArgumentError("nginx site: listen port " + std::to_string(site.listen_port) +
                                " is out of range 1-65535");
  }
  const size_t colon = site.upstream.rfind(':');
  in_addr addr{};
  if (colon == std::string::npos || ::inet_pton(AF_INET, site.upstream.substr(0, colon).c_str(), &addr) != 1 ||
      !ValidPort(site.upstream.substr(colon + 1))) {
    return InvalidArgumentError("nginx site: upstream \"" + site.upstream + "\" is not an IPv4 address:port");
  }
  const std::string upstream = "kelola_" + site.target;
  std::string u = upstream;
  std::replace(u.begin(), u.end(), '.', '_');
  std::replace(u.begin(), u.end(), '-', '_');
  const std::string port = std::to_string(site.listen_port);
  return "# kelola dockerhosts proxy for target " + site.target + ", release " + site.release +
         "\n"
         "# Written by kelola on every deploy (docs/deploys-dockerhosts.md): edits are lost.\n"
         "upstream " +
         u +
         " {\n"
         "  server " +
         site.upstream +
         ";\n"
         "  keepalive 16;\n"
         "}\n"
         "server {\n"
         "  listen " +
         port +
         " default_server;\n"
         "  location / {\n"
         "    proxy_pass http://" +
         u +
         ";\n"
         "    proxy_http_version 1.1;\n"
         "    proxy_set_header Connection \"\";\n"
         "    proxy_set_header Host $host;\n"
         "    proxy_set_header X-Real-IP $remote_addr;\n"
         "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
         "    proxy_set_header X-Forwarded-Proto $scheme;\n"
         "    add_header " +
         kReleaseHeader + " " + site.release +
         " always;\n"
         "  }\n"
         "}\n";
}

std::string NginxSitePath(const std::string& conf_dir, const std::string& target) {
  return conf_dir + "/kelola-" + target + ".conf";
}

}  // namespace kelola::docker
