// Runbook execution: each step first asks the host whether it is already
// as wanted (ok), and only acts when it is not (changed). Everything sent
// to the host goes through ExecArgv or the upload path: values from the
// runbook are positional parameters of fixed scripts, never spliced in.
#include <algorithm>

#include "base/crypto.h"
#include "ssh/runbook.h"
#include "ssh/template_render.h"

namespace kelola {
namespace {

constexpr size_t kMaxOutputPerHost = 256u << 10;

// $1 pidfile, $2 started|stopped|restarted, $3 command line, $4 log file.
// Prints "changed" when it started or stopped the process.
constexpr const char* kPlainProcessScript = R"sh(pidfile=$1 action=$2 cmd=$3 log=$4
alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
stop() {
  alive || { rm -f "$pidfile"; return 0; }
  kill "$(cat "$pidfile")"
  i=0; while alive && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  alive && kill -9 "$(cat "$pidfile")"
  rm -f "$pidfile"; echo changed
}
start() {
  alive && return 0
  if command -v setsid >/dev/null 2>&1; then detach=setsid; else detach=; fi
  $detach nohup /bin/sh -c "exec $cmd" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  sleep 0.3
  alive || { echo "the process exited at once; see $log on the host" >&2; rm -f "$pidfile"; exit 1; }
  echo changed
}
case $action in
  started) start ;;
  stopped) stop ;;
  restarted) stop >/dev/null; start ;;
esac
)sh";

// $1 host, $2 port, $3 url, $4 timeout seconds. Exit 0 when ready.
constexpr const char* kWaitForScript = R"sh(host=$1 port=$2 url=$3 timeout=$4
probe() {
  if [ -n "$url" ]; then
    code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$url" 2>/dev/null) || return 1
    case $code in 2??) return 0 ;; *) return 1 ;; esac
  elif command -v nc >/dev/null 2>&1; then
    nc -z -w 2 "$host" "$port" 2>/dev/null
  else
    bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
  fi
}
if [ -n "$url" ] && ! command -v curl >/dev/null 2>&1; then echo "wait_for url needs curl on the host" >&2; exit 127; fi
end=$(( $(date +%s) + timeout ))
while :; do
  probe && exit 0
  [ "$(date +%s)" -ge "$end" ] && { echo "not ready after ${timeout}s" >&2; exit 1; }
  sleep 0.5
done
)sh";

struct Outcome {
  std::string state;  // ok | changed | failed
  std::string message;
};

Outcome Ok(std::string message) { return {"ok", std::move(message)}; }
Outcome Changed(std::string message) { return {"changed", std::move(message)}; }
Outcome Failed(std::string message) { return {"failed", std::move(message)}; }
Outcome Failed(const Status& status) { return {"failed", status.message()}; }

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

std::string Why(const ExecResult& run) {
  std::string text = run.Describe();
  if (!run.err.empty()) text += ": " + FirstLine(run.err);
  return text;
}

class StepRunner {
 public:
  StepRunner(SshSession& session, const FleetHost& host, const Runbook& book, HostRunResult& result)
      : session_(session), host_(host), book_(book), result_(result) {}

  Outcome Run(const RunbookStep& step) {
    switch (step.kind) {
      case RunbookStep::Kind::kCommand: return Command(step);
      case RunbookStep::Kind::kUpload: return File(step, std::nullopt);
      case RunbookStep::Kind::kTemplate: {
        auto rendered = RenderTemplate(step.template_text, Variables(), step.local_path);
        if (!rendered.ok()) return Failed(rendered.status());
        return File(step, *rendered);
      }
      case RunbookStep::Kind::kPackage: return Package(step);
      case RunbookStep::Kind::kService: return Service(step);
      case RunbookStep::Kind::kWaitFor: return WaitFor(step);
    }
    return Failed("unknown step kind");
  }

 private:
  ExecOptions Options(const RunbookStep& step) const {
    ExecOptions options;
    options.sudo = step.sudo;
    options.timeout = step.timeout;
    options.max_captured_bytes = kMaxOutputPerHost;
    return options;
  }

  void KeepOutput(const ExecResult& run) {
    auto append = [](std::string& to, const std::string& text) {
      to += text.substr(0, kMaxOutputPerHost > to.size() ? kMaxOutputPerHost - to.size() : 0);
    };
    append(result_.out, run.out);
    append(result_.err, run.err);
  }

  std::map<std::string, std::string> Variables() const {
    std::map<std::string, std::string> vars = book_.vars;
    vars["host.name"] = host_.name;
    vars["host.address"] = host_.address;
    vars["host.port"] = std::to_string(host_.port);
    vars["host.user"] = host_.user;
    for (const auto& [key, value] : host_.labels) vars["host.labels." + key] = value;
    return vars;
  }

  Outcome Command(const RunbookStep& step) {
    if (!step.creates.empty()) {
      auto exists = session_.ExecArgv({"test", "-e", step.creates}, Options(step));
      if (!exists.ok()) return Failed(exists.status());
      if (exists->ok()) return Ok(step.creates + " exists");
    }
    if (!step.unless.empty()) {
      auto guard = session_.Exec(step.unless, Options(step));
      if (!guard.ok()) return Failed(guard.status());
      if (guard->ok()) return Ok("unless: condition holds");
    }
    auto run = session_.Exec(step.command, Options(step));
    if (!run.ok()) return Failed(run.status());
    KeepOutput(*run);
    if (!run->ok()) {
      result_.exit_code = run->exit_code;
      result_.error_kind = run->error_kind();
      return Failed(Why(*run));
    }
    return Changed("ran");
  }

  Outcome File(const RunbookStep& step, const std::optional<std::string>& content) {
    std::string sha256;
    if (content) {
      sha256 = Sha256Hex(*content);
    } else {
      // Hashed once per step and host: uploads are small next to a network copy.
      auto local =
          std::unique_ptr<std::FILE, int (*)(std::FILE*)>(std::fopen(step.local_path.c_str(), "rb"), &std::fclose);
      if (local == nullptr) return Failed("cannot read " + step.local_path);
      std::string data;
      char buffer[1 << 16];
      size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, local.get())) > 0) data.append(buffer, n);
      sha256 = Sha256Hex(data);
    }
    auto current = session_.InspectFile(step.dest, step.sudo);
    if (!current.ok()) return Failed(current.status());
    const bool owner_matches =
        step.owner.empty() || step.owner == current->owner || step.owner == current->owner + ":" + current->group;
    if (current->exists && current->sha256 == sha256 && current->mode == step.mode && owner_matches) {
      return Ok(step.dest + " is up to date");
    }
    UploadOptions upload;
    upload.remote_path = step.dest;
    upload.mode = step.mode;
    upload.owner = step.owner;
    upload.sudo = step.sudo;
    auto sent = content ? session_.UploadContent(*content, upload) : session_.Upload(step.local_path, upload);
    if (!sent.ok()) return Failed(sent.status());
    return Changed(std::string(current->exists ? "updated " : "created ") + step.dest);
  }

  // A .deb file on the host: as wanted when its package is installed at
  // its version (present) or not installed (absent); else apt-get installs
  // the file (resolving its dependencies) or removes the package.
  Outcome DebPackage(const RunbookStep& step) {
    std::vector<std::string> query = {
        "/bin/sh",
        "-c",
        "pkg=$(dpkg-deb -f \"$1\" Package) && ver=$(dpkg-deb -f \"$1\" Version) || exit 3; "
        "cur=$(dpkg-query -W -f='${Status} ${Version}' \"$pkg\" 2>/dev/null); "
        "case \"$2:$cur\" in \"present:install ok installed $ver\") echo ok \"$pkg\" ;; "
        "present:*) echo todo \"$pkg\" ;; \"absent:install ok installed \"*) echo todo \"$pkg\" ;; "
        "*) echo ok \"$pkg\" ;; esac",
        "kelola-package",
        step.deb,
        step.present ? "present" : "absent"};
    auto state = session_.ExecArgv(query, Options(step));
    if (!state.ok()) return Failed(state.status());
    if (state->exit_code == 3) return Failed("dpkg-deb cannot read " + step.deb + ": " + Why(*state));
    if (!state->ok()) return Failed("dpkg-query: " + Why(*state));
    std::string out = state->out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    size_t space = out.find(' ');
    if (space == std::string::npos) return Failed("dpkg-query: unexpected answer \"" + out.substr(0, 80) + "\"");
    std::string package = out.substr(space + 1);
    if (out.compare(0, space, "ok") == 0) return Ok(package + (step.present ? " installed" : " not installed"));
    std::vector<std::string> apt = {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q"};
    if (step.present) {
      apt.insert(apt.end(), {"--no-install-recommends", "install", "--", step.deb});
    } else {
      apt.insert(apt.end(), {"remove", "--", package});
    }
    auto run = session_.ExecArgv(apt, Options(step));
    if (!run.ok()) return Failed(run.status());
    KeepOutput(*run);
    if (!run->ok()) return Failed("apt-get: " + Why(*run));
    return Changed((step.present ? "installed " : "removed ") + package);
  }

  Outcome Package(const RunbookStep& step) {
    if (!step.deb.empty()) return DebPackage(step);
    // Prints the packages whose state differs from the wanted one.
    std::vector<std::string> query = {
        "/bin/sh", "-c",
        "want=$1; shift; for p; do if dpkg-query -W -f='${Status}\\n' \"$p\" 2>/dev/null | "
        "grep -q '^install ok installed$'; then [ \"$want\" = present ] || echo \"$p\"; "
        "else [ \"$want\" = absent ] || echo \"$p\"; fi; done",
        "kelola-package", step.present ? "present" : "absent"};
    query.insert(query.end(), step.packages.begin(), step.packages.end());
    auto differs = session_.ExecArgv(query, Options(step));
    if (!differs.ok()) return Failed(differs.status());
    if (!differs->ok()) return Failed("dpkg-query: " + Why(*differs));
    std::vector<std::string> todo;
    std::string line;
    for (char c : differs->out) {
      if (c != '\n') {
        line += c;
      } else if (!line.empty()) {
        todo.push_back(std::move(line));
        line.clear();
      }
    }
    if (todo.empty()) return Ok(step.present ? "installed" : "not installed");
    if (step.present) {
      // apt-get would fail too, but later, as root, and less clearly.
      std::vector<std::string> known = {"/bin/sh", "-c",
                                        "for p; do apt-cache show --no-all-versions -- \"$p\" >/dev/null 2>&1 || "
                                        "echo \"$p\"; done",
                                        "kelola-package"};
      known.insert(known.end(), todo.begin(), todo.end());
      auto unknown = session_.ExecArgv(known, Options(step));
      if (!unknown.ok()) return Failed(unknown.status());
      if (!unknown->ok()) return Failed("apt-cache: " + Why(*unknown));
      std::string names;
      for (char c : unknown->out) names += c == '\n' ? ' ' : c;
      while (!names.empty() && names.back() == ' ') names.pop_back();
      if (!names.empty()) {
        return Failed("unknown package " + names +
                      ": apt on the host has no such package (misspelt, or the "
                      "host needs apt-get update or another source)");
      }
    }
    std::vector<std::string> apt = {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q"};
    if (step.present) {
      apt.insert(apt.end(), {"--no-install-recommends", "install", "--"});
    } else {
      apt.insert(apt.end(), {"remove", "--"});
    }
    apt.insert(apt.end(), todo.begin(), todo.end());
    auto run = session_.ExecArgv(apt, Options(step));
    if (!run.ok()) return Failed(run.status());
    KeepOutput(*run);
    if (!run->ok()) return Failed("apt-get: " + Why(*run));
    std::string names;
    for (const auto& p : todo) names += (names.empty() ? "" : " ") + p;
    return Changed((step.present ? "installed " : "removed ") + names);
  }

  Outcome Service(const RunbookStep& step) {
    auto systemd = session_.ExecArgv({"test", "-d", "/run/systemd/system"}, Options(step));
    if (!systemd.ok()) return Failed(systemd.status());
    if (!systemd->ok()) {
      if (step.service_command.empty()) {
        return Failed("the host has no systemd; give service.command and service.pidfile to run it as a plain process");
      }
      if (step.enabled.value_or(false)) return Failed("enabled: true needs systemd, which the host does not run");
      auto run = session_.ExecArgv({"/bin/sh", "-c", kPlainProcessScript, "kelola-service", step.pidfile,
                                    step.service_state, step.service_command, step.pidfile + ".log"},
                                   Options(step));
      if (!run.ok()) return Failed(run.status());
      if (!run->ok()) return Failed(Why(*run));
      const bool changed = run->out.find("changed") != std::string::npos;
      return changed ? Changed(step.service + " " + step.service_state)
                     : Ok(step.service + " already " + step.service_state);
    }
    auto systemctl = [&](std::initializer_list<std::string> args) {
      std::vector<std::string> argv = {"systemctl"};
      argv.insert(argv.end(), args);
      return session_.ExecArgv(argv, Options(step));
    };
    std::vector<std::string> done;
    if (step.enabled.has_value()) {
      auto state = systemctl({"is-enabled", "--quiet", "--", step.service});
      if (!state.ok()) return Failed(state.status());
      if (state->ok() != *step.enabled) {
        auto changed = systemctl({*step.enabled ? "enable" : "disable", "--", step.service});
        if (!changed.ok()) return Failed(changed.status());
        if (!changed->ok()) return Failed("systemctl: " + Why(*changed));
        done.push_back(*step.enabled ? "enabled" : "disabled");
      }
    }
    auto active = systemctl({"is-active", "--quiet", "--", step.service});
    if (!active.ok()) return Failed(active.status());
    std::string verb;
    if (step.service_state == "restarted") verb = "restart";
    if (step.service_state == "started" && !active->ok()) verb = "start";
    if (step.service_state == "stopped" && active->ok()) verb = "stop";
    if (!verb.empty()) {
      auto run = systemctl({verb, "--", step.service});
      if (!run.ok()) return Failed(run.status());
      if (!run->ok()) return Failed("systemctl " + verb + ": " + Why(*run));
      done.push_back(step.service_state);
    }
    if (done.empty()) return Ok(step.service + " already " + step.service_state);
    std::string text;
    for (const auto& d : done) text += (text.empty() ? "" : ", ") + d;
    return Changed(step.service + " " + text);
  }

  Outcome WaitFor(const RunbookStep& step) {
    const auto seconds =
        std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(step.wait_timeout).count());
    ExecOptions options = Options(step);
    options.timeout = step.wait_timeout + std::chrono::seconds(15);  // the script enforces the real limit
    auto run = session_.ExecArgv({"/bin/sh", "-c", kWaitForScript, "kelola-wait-for", step.wait_host,
                                  std::to_string(step.wait_port), step.wait_url, std::to_string(seconds)},
                                 options);
    if (!run.ok()) return Failed(run.status());
    const std::string what =
        step.wait_url.empty() ? step.wait_host + ":" + std::to_string(step.wait_port) : step.wait_url;
    if (!run->ok()) return Failed(what + " " + Why(*run));
    return Ok(what + " is ready");
  }

  SshSession& session_;
  const FleetHost& host_;
  const Runbook& book_;
  HostRunResult& result_;
};

}  // namespace

void ApplyRunbook(SshSession& session, const FleetHost& host, const Runbook& book, HostRunResult& result) {
  StepRunner runner(session, host, book, result);
  Clock& clock = SystemClock();
  result.state = HostRunResult::State::kOk;
  bool stopped = false;
  for (const RunbookStep& step : book.steps) {
    StepReport report;
    report.name = step.name;
    if (stopped) {
      report.state = "skipped";
      report.message = "an earlier step failed";
      result.steps.push_back(std::move(report));
      continue;
    }
    const MonoTime start = clock.Monotonic();
    Outcome outcome = runner.Run(step);
    report.duration = clock.Monotonic() - start;
    report.state = outcome.state;
    report.message = outcome.message;
    if (outcome.state == "changed") result.changed = true;
    if (outcome.state == "failed") {
      stopped = true;
      result.state = HostRunResult::State::kFailed;
      result.error = "step \"" + step.name + "\" (" + step.source + ") failed: " + outcome.message;
      if (result.error_kind == SshErrorKind::kNone) result.error_kind = SshErrorKind::kOther;
    }
    result.steps.push_back(std::move(report));
  }
  if (result.state == HostRunResult::State::kOk) result.exit_code = 0;
}

HostAction RunbookAction(std::shared_ptr<const Runbook> book) {
  return [book = std::move(book)](SshSession& session, const FleetHost& host, HostRunResult& result) {
    ApplyRunbook(session, host, *book, result);
  };
}

}  // namespace kelola
