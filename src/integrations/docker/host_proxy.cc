#include "integrations/docker/host_proxy.h"

#include <thread>

namespace kelola::docker {
namespace {

// Fixed text (no input): start nginx unless its master runs, else reload.
constexpr const char* kStartOrReload =
    "if [ -s /run/nginx.pid ] && kill -0 \"$(cat /run/nginx.pid)\" 2>/dev/null; then exec nginx -s reload; "
    "else exec nginx; fi";

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<ExecResult> HostProxy::Run(const std::vector<std::string>& argv) {
  ExecOptions o;
  o.sudo = options_.sudo;
  o.timeout = options_.command_timeout;
  auto r = ssh_.ExecArgv(argv, o);
  if (!r.ok()) return Status(r.status().code(), "host " + host_ + ": " + r.status().message());
  return r;
}

Status HostProxy::StartOrReload() {
  KELOLA_ASSIGN_OR_RETURN(ExecResult r, Run({"/bin/sh", "-c", kStartOrReload}));
  if (!r.ok()) {
    return UnavailableError("host " + host_ + ": starting or reloading nginx failed (" + r.Describe() +
                            "): " + Trimmed(r.err));
  }
  return OkStatus();
}

Status HostProxy::Switch(const NginxSite& site) {
  KELOLA_ASSIGN_OR_RETURN(std::string text, RenderNginxSite(site));
  const std::string path = NginxSitePath(options_.conf_dir, site.target);
  // What nginx runs now, to put back when the new file is refused.
  KELOLA_ASSIGN_OR_RETURN(ExecResult old, Run({"cat", path}));
  const bool had_old = old.ok();
  UploadOptions upload;
  upload.remote_path = path;
  upload.mode = 0644;
  upload.sudo = options_.sudo;
  auto written = ssh_.UploadContent(text, upload);
  if (!written.ok()) {
    return Status(written.status().code(), "host " + host_ + ": writing " + path + ": " + written.status().message());
  }
  KELOLA_ASSIGN_OR_RETURN(ExecResult tested, Run({"nginx", "-t", "-q"}));
  if (!tested.ok()) {
    Status restored = had_old ? ssh_.UploadContent(old.out, upload).status() : Run({"rm", "-f", path}).status();
    return FailedPreconditionError("host " + host_ + ": nginx refuses the new config (" + tested.Describe() +
                                   "): " + Trimmed(tested.err) +
                                   (restored.ok() ? "; the previous config is back"
                                                  : "; restoring the previous config failed: " + restored.message()));
  }
  return StartOrReload();
}

Status HostProxy::WaitRoutes(const NginxSite& site, const std::string& path, Duration timeout,
                             const std::function<bool()>& keep_going) {
  const std::string url = "http://127.0.0.1:" + std::to_string(site.listen_port) + path;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  for (;;) {
    // Headers only; -w prints the release header nginx added.
    KELOLA_ASSIGN_OR_RETURN(ExecResult r,
                            Run({"curl", "-s", "-o", "/dev/null", "-m", "5", "-w", "%header{x-kelola-release}", url}));
    if (r.ok() && Trimmed(r.out) == site.release) return OkStatus();
    last = r.ok() ? "it routes to release \"" + Trimmed(r.out) + "\"" : r.Describe() + " " + Trimmed(r.err);
    if (std::chrono::steady_clock::now() >= deadline) {
      return DeadlineExceededError("host " + host_ + ": the proxy on port " + std::to_string(site.listen_port) +
                                   " does not route to " + site.release + " after the reload: " + last);
    }
    if (keep_going && !keep_going()) return CancelledError("host " + host_ + ": cancelled");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace kelola::docker
