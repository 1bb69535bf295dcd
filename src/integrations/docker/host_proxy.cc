#include "integrations/docker/host_proxy.h"

#include <algorithm>

namespace kelola::docker {
namespace {

// Fixed text (no input; values come as quoted positional parameters):
// $1 staged file, $2 live file, $3 proxy port, $4 check path, $5 release,
// $6 tries. Puts the staged file in place keeping the live one aside,
// `nginx -t` (refused: the old file back, exit 65), starts nginx unless its
// master runs or reloads it gracefully (failing: the old file back, exit
// 67), then asks the proxy until it answers with the new release (exit 66
// when it does not in time, printing what it routes to).
constexpr const char* kSwitchScript = R"sh(set -u
new="$1"; live="$2"; old="$2.kelola-old"
if [ -e "$live" ]; then cp -p "$live" "$old"; else rm -f "$old"; fi
mv -f "$new" "$live"
restore() { if [ -e "$old" ]; then mv -f "$old" "$live"; else rm -f "$live"; fi; }
if ! out=$(nginx -t -q 2>&1); then restore; printf '%s\n' "$out" >&2; exit 65; fi
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
  if ! nginx -s reload; then restore; exit 67; fi
elif ! nginx; then restore; exit 67; fi
rm -f "$old"
n=0; got=
while [ "$n" -lt "$6" ]; do
  got=$(curl -s -o /dev/null -m 2 -w '%header{x-kelola-release}' "http://127.0.0.1:$3$4") || true
  if [ "$got" = "$5" ]; then exit 0; fi
  n=$((n+1)); sleep 0.02
done
printf '%s' "$got"; exit 66)sh";
constexpr int kRefused = 65;
constexpr int kNotRouting = 66;
constexpr int kReloadFailed = 67;

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

Status HostProxy::Switch(const NginxSite& site, const std::string& check_path, Duration timeout, bool* took_config) {
  *took_config = false;
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
  const auto tries = std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count() / 20);
  KELOLA_ASSIGN_OR_RETURN(
      ExecResult r, Run({"/bin/sh", "-c", kSwitchScript, "kelola-proxy", staged, path, std::to_string(site.listen_port),
                         check_path, site.release, std::to_string(tries)}));
  if (r.exit_code == kRefused) {
    return FailedPreconditionError("host " + host_ + ": nginx refuses the new config: " + Trimmed(r.err) +
                                   "; the previous config is back");
  }
  if (r.exit_code == kReloadFailed) {
    return UnavailableError("host " + host_ + ": nginx did not (re)start: " + Trimmed(r.err) +
                            "; the previous config is back");
  }
  if (r.exit_code == 0 || r.exit_code == kNotRouting) *took_config = true;
  if (r.exit_code == kNotRouting) {
    return DeadlineExceededError("host " + host_ + ": the proxy on port " + std::to_string(site.listen_port) +
                                 " does not route to " + site.release + " after the reload (it answers \"" +
                                 Trimmed(r.out) + "\")");
  }
  if (!r.ok()) {
    return UnavailableError("host " + host_ + ": switching nginx to " + site.upstream + " failed (" + r.Describe() +
                            "): " + Trimmed(r.err));
  }
  return OkStatus();
}

}  // namespace kelola::docker
