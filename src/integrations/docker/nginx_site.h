// NginxSite: the host's reverse-proxy configuration for one dockerhosts
// Target — one nginx `server` on the proxy port whose single upstream is
// the live container's address. Switching traffic is writing this file
// with the new address and reloading nginx gracefully (host_proxy.h).
//
// Every response carries `X-Kelola-Release: <release>` so kelola (and a
// person with curl) can see which release a proxy routes to. Names and
// addresses are checked before they go into the text: nginx syntax never
// comes from input.
// Pure functions.
#pragma once

#include <string>

#include "base/status.h"

namespace kelola::docker {

struct NginxSite {
  std::string target;    // Target name: letters, digits, '-', '_', '.'
  std::string release;   // Release name, same alphabet
  int listen_port = 80;  // 1-65535
  std::string upstream;  // "172.20.0.5:80": IPv4 address and port
};

inline constexpr const char* kReleaseHeader = "X-Kelola-Release";

// The config file's text. InvalidArgument naming the bad field.
Result<std::string> RenderNginxSite(const NginxSite& site);
// Where the file goes: <conf_dir>/kelola-<target>.conf.
std::string NginxSitePath(const std::string& conf_dir, const std::string& target);

}  // namespace kelola::docker
