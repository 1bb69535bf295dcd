// HostProxy: the host's reverse proxy (Debian's nginx) as a deploy drives
// it over SSH — Kamal's "switch traffic" step.
//
// Switch(site): the site file (nginx_site.h) is staged over SFTP beside
// the live one (SshSession::UploadContent: temporary name, checksum,
// rename; "<file>.kelola-new", a name nginx does not include), then one
// fixed script moves it in place (the live file kept aside), runs
// `nginx -t`, and puts the previous file back when nginx refuses
// (FailedPrecondition with nginx's words) — the proxy never runs a
// half-written or invalid config. Then nginx is started when it does not
// run (first deploy: idempotent, by its pid file) or reloaded gracefully
// (`nginx -s reload`: old workers finish their requests, new ones route to
// the new upstream). Paths go to the script as arguments, quoted
// (ExecArgv); nothing from input is shell text.
// Then, in the same command, the proxy is asked from the host itself
// (curl 127.0.0.1:<port><check path>) until its answers carry
// X-Kelola-Release: <release> — the reload took effect.
// Thread-safety: one thread at a time per SshSession.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "integrations/docker/nginx_site.h"
#include "ssh/ssh_session.h"

namespace kelola::docker {

struct HostProxyOptions {
  std::string conf_dir = "/etc/nginx/conf.d";
  bool sudo = false;  // the login user is not root
  Duration command_timeout = std::chrono::seconds(30);
};

class HostProxy {
 public:
  HostProxy(SshSession& ssh, std::string host, HostProxyOptions options)
      : ssh_(ssh), host_(std::move(host)), options_(std::move(options)) {}

  // Switches and waits (up to `timeout`) until the proxy answers
  // `check_path` with the new release. `took_config`: nginx runs the new
  // config (also when it then does not route in time).
  Status Switch(const NginxSite& site, const std::string& check_path, Duration timeout, bool* took_config);

 private:
  Result<ExecResult> Run(const std::vector<std::string>& argv);

  SshSession& ssh_;
  std::string host_;
  HostProxyOptions options_;
};

}  // namespace kelola::docker
