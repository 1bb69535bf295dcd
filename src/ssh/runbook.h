// Runbook: an ordered list of idempotent steps applied to hosts over SSH —
// how a new server gets its first application installed. Each step reports
// "changed" (it modified the host), "ok" (already as wanted) or "failed";
// a failed step stops that host (its later steps are "skipped").
//
// YAML (unknown keys are errors naming file:line:column):
//
//   name: install the app
//   vars: {app_port: "8080"}          # for templates, with host.name,
//                                     # host.address, host.port, host.user,
//                                     # host.labels.<key>
//   steps:
//     - name: app dir
//       command: mkdir -p /opt/app    # a shell command line
//       creates: /opt/app             # ok (not run) when this path exists
//       unless: test -x /opt/app/run  # ok (not run) when this exits 0
//     - upload: {src: files/app, dest: /opt/app/app, mode: "0755", owner: app}
//     - template: {src: app.conf.tmpl, dest: /etc/app.conf, mode: "0644"}
//     - package: {name: [nginx, curl], state: present}     # apt; or absent
//     - package: {deb: /tmp/app_1.2_all.deb}  # a .deb on the host, through apt
//     - service: {name: app, state: started, enabled: true}  # systemd, or,
//         # where there is none, a plain process: add command: and pidfile:
//     - wait_for: {port: 8080, host: 127.0.0.1, timeout: 30s}  # or url: (2xx)
//   Every step also takes name, sudo (true: run under sudo -n) and timeout.
//
// Idempotence: command relies on creates/unless; upload and template
// compare content, mode and owner; package asks dpkg (a deb: is as wanted
// when its package is installed at the file's version); service asks systemd
// or the pidfile; wait_for never changes anything.
//
// Thread-safety: a parsed Runbook is immutable; apply it on many hosts at
// once. Errors: InvalidArgument naming file:line:column for bad YAML, unknown
// keys, bad values, and upload/template sources that cannot be read.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ssh/fleet_runner.h"

namespace kelola {

struct RunbookStep {
  enum class Kind { kCommand, kUpload, kTemplate, kPackage, kService, kWaitFor };
  Kind kind = Kind::kCommand;
  std::string name;
  std::string source;  // "book.yaml:12:5"
  bool sudo = false;
  Duration timeout{0};  // 0: none (wait_for has its own)

  std::string command;  // kCommand
  std::string creates;
  std::string unless;

  std::string local_path;     // kUpload: the file to send
  std::string template_text;  // kTemplate: loaded when parsed
  std::string dest;
  unsigned mode = 0644;
  std::string owner;

  std::vector<std::string> packages;  // kPackage
  std::string deb;                    // kPackage: an absolute path of a .deb on the host (instead of names)
  bool present = true;

  std::string service;        // kService
  std::string service_state;  // "started" | "stopped" | "restarted"
  std::optional<bool> enabled;
  std::string service_command;  // plain-process fallback
  std::string pidfile;

  std::string wait_host = "127.0.0.1";  // kWaitFor
  int wait_port = 0;
  std::string wait_url;
  Duration wait_timeout = std::chrono::seconds(30);
};

struct Runbook {
  std::string name;
  std::string source;  // the file, for messages
  std::map<std::string, std::string> vars;
  std::vector<RunbookStep> steps;
};

// `base_dir` resolves relative upload/template sources.
Result<Runbook> ParseRunbook(const std::string& yaml, const std::string& display_name, const std::string& base_dir);
Result<Runbook> LoadRunbook(const std::string& path);

// Applies every step on one connected host, filling result.steps, state,
// changed, out/err (command output) and error (the failed step).
void ApplyRunbook(SshSession& session, const FleetHost& host, const Runbook& book, HostRunResult& result);

// For RunOnFleet.
HostAction RunbookAction(std::shared_ptr<const Runbook> book);

}  // namespace kelola
