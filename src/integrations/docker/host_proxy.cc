#include "integrations/docker/host_proxy.h"

#include <thread>

namespace kelola::docker {
namespace {

// Fixed text (no input; the paths come as "$1" "$2"): put the staged file
// in place keeping the live one aside, `nginx -t`, put the old one back
// when nginx refuses (exit 65), else start nginx unless its master runs,
// or reload it gracefully.
constexpr const char* kSwapTestReload = R"sh(set -u
new="$1"; live="$2"; old="$2.kelola-old"
if [ -e "$live" ]; then cp -p "$live" "$old"; else rm -f "$old"; fi
mv -f "$new" "$live"
if ! out=$(nginx -t -q 2>&1); then
  if [ -e "$old" ]; then mv -f "$old" "$live"; else rm -f "$live"; fi
  printf '%s\n' "$out" >&2
  exit 65
fi
rm -f "$old"
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then exec nginx -s reload; fi
exec nginx)sh";
constexpr int kRefused = 65;

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

Status HostProxy::Switch(const NginxSite& site) {
  KELOLA_ASSIGN_OR_RETURN(std::string text, RenderNginxSite(site));
  const std::string path = NginxSitePath(options_.conf_dir, site.target);
  // Staged beside the live file under a name nginx does not include.
  const std::string staged = path + ".kelola-new";
  UploadOptions upload;
  upload.remote_path = staged;
  upload.mode = 0644;
  upload.sudo = options_.sudo;
  auto written = ssh_.UploadContent(text, upload);
  if (!written.ok()) {
    return Status(written.status().code(), "host " + host_ + ": writing " + staged + ": " + written.status().message());
  }
  KELOLA_ASSIGN_OR_RETURN(ExecResult r, Run({"/bin/sh", "-c", kSwapTestReload, "kelola-proxy", staged, path}));
  if (r.exit_code == kRefused) {
    return FailedPreconditionError("host " + host_ + ": nginx refuses the new config: " + Trimmed(r.err) +
                                   "; the previous config is back");
  }
  if (!r.ok()) {
    return UnavailableError("host " + host_ + ": switching nginx to " + site.upstream + " failed (" + r.Describe() +
                            "): " + Trimmed(r.err));
  }
  return OkStatus();
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
