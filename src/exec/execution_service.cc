#include "exec/execution_service.h"

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/logging.h"
#include "ssh/fleet_runner.h"
#include "ssh/rollout_plan.h"
#include "ssh/runbook.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kOutputTail = 4096;  // bytes of each stream kept per host in status and events

std::string Tail(const std::string& s) { return s.size() <= kOutputTail ? s : s.substr(s.size() - kOutputTail); }

int64_t Millis(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

json HostJson(const HostRunResult& r) {
  json steps = json::array();
  for (const auto& s : r.steps) {
    steps.push_back({{"name", s.name}, {"state", s.state}, {"message", s.message}, {"durationMs", Millis(s.duration)}});
  }
  json out = {
      {"host", r.host},        {"target", r.target},      {"state", std::string(HostRunStateName(r.state))},
      {"batch", r.batch},      {"exitCode", r.exit_code}, {"errorKind", std::string(SshErrorKindName(r.error_kind))},
      {"error", r.error},      {"changed", r.changed},    {"durationMs", Millis(r.duration)},
      {"stdout", Tail(r.out)}, {"stderr", Tail(r.err)}};
  if (!steps.empty()) out["steps"] = steps;
  return out;
}

json SpecJson(const ExecutionRequest& r) {
  json spec = {{"selector", r.selector},
               {"names", r.names},
               {"sudo", r.sudo},
               {"timeoutSeconds", r.timeout_seconds},
               {"serial", r.serial},
               {"maxFailPercentage", r.max_fail_percentage},
               {"maxParallel", r.max_parallel}};
  if (!r.command.empty()) spec["command"] = r.command;
  if (!r.script.empty()) spec["script"] = r.script;
  if (!r.runbook_yaml.empty()) spec["runbook"] = r.runbook_yaml;
  if (!r.copy_dest.empty()) {
    // The content itself is not stored: only what identifies it.
    spec["copy"] = {{"dest", r.copy_dest},
                    {"mode", r.copy_mode},
                    {"bytes", r.copy_file.empty() ? r.copy_content.size() : r.copy_bytes},
                    {"sha256", r.copy_file.empty() ? Sha256Hex(r.copy_content) : r.copy_sha256}};
  }
  return spec;
}

}  // namespace

Status ValidateExecutionRequest(const ExecutionRequest& r) {
  int actions = !r.command.empty() + !r.script.empty() + !r.runbook_yaml.empty() + !r.copy_dest.empty();
  if (actions != 1) {
    return InvalidArgumentError("give exactly one of command, script, runbook or copy (got " + std::to_string(actions) +
                                ")");
  }
  if (!r.copy_dest.empty() && r.copy_dest.find('\n') != std::string::npos) {
    return InvalidArgumentError("copy.dest: must be a path");
  }
  if (r.max_parallel < 1 || r.max_parallel > 1024) return InvalidArgumentError("maxParallel: must be 1-1024");
  if (r.max_fail_percentage < 0 || r.max_fail_percentage > 100) {
    return InvalidArgumentError("maxFailPercentage: must be 0-100");
  }
  RolloutPolicy policy;
  if (!r.serial.empty()) KELOLA_RETURN_IF_ERROR(ParseSerial(r.serial, &policy).WithContext("serial"));
  if (!r.runbook_yaml.empty()) {
    KELOLA_RETURN_IF_ERROR(ParseRunbook(r.runbook_yaml, "runbook", "").status());
  }
  return OkStatus();
}

class ExecutionService::Impl {
 public:
  Impl(Store& store, Clock& clock, SecretResolver resolver, ExecutionServiceOptions options)
      : store_(store), clock_(clock), resolver_(std::move(resolver)), options_(std::move(options)) {}

  ~Impl() { Shutdown(); }

  Result<std::string> Start(const ExecutionRequest& request, const std::string& actor) {
    KELOLA_RETURN_IF_ERROR(ValidateExecutionRequest(request));
    {
      std::lock_guard<std::mutex> l(mu_);
      if (shutting_down_) return UnavailableError("the server is shutting down");
    }
    // Resolve the selection now, so that a selector matching nothing is the
    // caller's error rather than an empty run.
    KELOLA_ASSIGN_OR_RETURN(auto selected, Select(request));
    if (selected.empty()) {
      return FailedPreconditionError("no host matches selector \"" + request.selector + "\"" +
                                     (request.names.empty() ? "" : " and the names given"));
    }
    KELOLA_ASSIGN_OR_RETURN(std::string suffix, RandomBytes(4));
    std::string id = "ex-" + std::to_string(UnixMillis(clock_.Now())) + "-" + HexEncode(suffix);
    Resource r;
    r.kind = "Execution";
    r.name = id;
    r.spec_json = SpecJson(request).dump();
    r.status_json = json{{"phase", "Pending"}, {"hostsSelected", selected.size()}}.dump();
    PutOptions put;
    put.actor = actor;
    put.expected_resource_version = 0;
    KELOLA_RETURN_IF_ERROR(store_.PutResource(r, put).status());
    std::lock_guard<std::mutex> l(mu_);
    ReapFinishedLocked();
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.push_back({std::thread([this, request, id, actor, done] {
                          Run(request, id, actor);
                          *done = true;
                        }),
                        done});
    return id;
  }

  void Shutdown() {
    std::list<Worker> threads;
    {
      std::lock_guard<std::mutex> l(mu_);
      shutting_down_ = true;
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& w : threads) w.thread.join();
  }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  // Joins the threads of runs that have finished, so a long-lived server
  // does not accumulate them.
  void ReapFinishedLocked() {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (*it->done) {
        it->thread.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
  }

  Result<FleetInventory> Inventory() {
    std::vector<Resource> hosts;
    ListOptions list;
    list.kind = "Host";
    do {
      KELOLA_ASSIGN_OR_RETURN(ListResult page, store_.ListResources(list));
      for (auto& h : page.items) hosts.push_back(std::move(h));
      list.after_name = page.next_after;
    } while (!list.after_name.empty());
    KELOLA_ASSIGN_OR_RETURN(FleetInventory inventory, FleetInventoryFromHosts(hosts, options_.known_hosts_path));
    inventory.host_key_policy = options_.host_key_policy;
    return inventory;
  }

  Result<std::vector<std::string>> Select(const ExecutionRequest& request) {
    KELOLA_ASSIGN_OR_RETURN(FleetInventory inventory, Inventory());
    FleetSelection selection;
    selection.selector = request.selector;
    selection.names = request.names;
    auto hosts = SelectFleetHosts(inventory, selection);
    if (!hosts.ok() && hosts.status().code() == StatusCode::kNotFound) {
      // A selection that matches nothing is a request the caller must change (422).
      return FailedPreconditionError(hosts.status().message());
    }
    if (!hosts.ok()) return hosts.status();
    std::vector<std::string> names;
    for (const auto* h : *hosts) names.push_back(h->name);
    return names;
  }

  void Event(const std::string& id, const std::string& type, const std::string& actor, const json& data) {
    kelola::Event e;
    e.type = type;
    e.subject = "Execution/" + id;
    e.actor = actor;
    e.data_json = data.dump();
    (void)store_.AppendEvent(e);  // the run's status resource is the record of truth
  }

  void SetStatus(const std::string& id, const json& status) {
    Resource r;
    r.kind = "Execution";
    r.name = id;
    r.status_json = status.dump();
    PutOptions put;
    put.status_only = true;
    put.actor = "execution-service";
    auto s = store_.PutResource(r, put);
    if (!s.ok()) LogWarn("execution status not stored", {{"execution", id}, {"error", s.status().ToString()}});
  }

  static FleetCommand CommandFor(const ExecutionRequest& request) {
    FleetCommand c;
    c.command = request.command;
    c.sudo = request.sudo;
    c.timeout = std::chrono::seconds(request.timeout_seconds);
    return c;
  }

  Result<HostAction> Action(const ExecutionRequest& request, const std::string& id, std::string& temp_file) {
    const Duration timeout = std::chrono::seconds(request.timeout_seconds);
    if (!request.command.empty()) return CommandAction(CommandFor(request));
    if (!request.script.empty()) {
      FleetScript s;
      s.script = request.script;
      s.sudo = request.sudo;
      s.timeout = timeout;
      return ScriptAction(s);
    }
    if (!request.runbook_yaml.empty()) {
      KELOLA_ASSIGN_OR_RETURN(Runbook book, ParseRunbook(request.runbook_yaml, "runbook", options_.work_dir));
      return RunbookAction(std::make_shared<const Runbook>(std::move(book)));
    }
    FleetCopy copy;
    copy.upload.remote_path = request.copy_dest;
    copy.upload.mode = request.copy_mode;
    copy.upload.sudo = request.sudo;
    if (!request.copy_file.empty()) {
      // Already on disk (an upload to /v1/files): used in place, kept.
      copy.local_path = request.copy_file;
      return CopyAction(copy);
    }
    std::error_code ec;
    std::filesystem::create_directories(options_.work_dir, ec);
    temp_file = options_.work_dir + "/" + id + ".copy";
    {
      std::ofstream f(temp_file, std::ios::binary | std::ios::trunc);
      f.write(request.copy_content.data(), static_cast<std::streamsize>(request.copy_content.size()));
      if (!f) return InternalError("cannot stage the file to copy in " + options_.work_dir);
    }
    copy.local_path = temp_file;
    return CopyAction(copy);
  }

  void Run(ExecutionRequest request, std::string id, std::string actor) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return running_ < options_.max_concurrent || shutting_down_; });
      if (shutting_down_) {
        l.unlock();
        SetStatus(id, {{"phase", "Cancelled"}, {"error", "the server shut down before the run started"}});
        Event(id, "execution.finished", actor, {{"phase", "Cancelled"}});
        return;
      }
      ++running_;
    }
    std::string temp_file;
    Finish(request, id, actor, temp_file);
    if (!temp_file.empty()) std::filesystem::remove(temp_file);
    {
      std::lock_guard<std::mutex> l(mu_);
      --running_;
    }
    cv_.notify_all();
  }

  void Finish(const ExecutionRequest& request, const std::string& id, const std::string& actor,
              std::string& temp_file) {
    auto fail = [&](const Status& s) {
      SetStatus(id, {{"phase", "Failed"}, {"error", s.message()}});
      Event(id, "execution.finished", actor, {{"phase", "Failed"}, {"error", s.message()}});
    };
    auto inventory = Inventory();
    if (!inventory.ok()) return fail(inventory.status());
    FleetSelection selection;
    selection.selector = request.selector;
    selection.names = request.names;
    auto hosts = SelectFleetHosts(*inventory, selection);
    if (!hosts.ok()) return fail(hosts.status());
    auto action = Action(request, id, temp_file);
    if (!action.ok()) return fail(action.status());

    SetStatus(id, {{"phase", "Running"}, {"hostsSelected", hosts->size()}});
    Event(id, "execution.started", actor, {{"hosts", hosts->size()}});
    FleetRunOptions run;
    run.max_parallel = request.max_parallel;
    run.max_in_flight = request.max_parallel;
    run.resolver = resolver_;
    run.clock = &clock_;
    run.rollout.max_fail_percentage = request.max_fail_percentage;
    if (!request.serial.empty()) (void)ParseSerial(request.serial, &run.rollout);  // validated in Start
    // The runner calls these two under its lock, progress first (fleet_runner.h).
    FleetProgress progress;
    run.on_progress = [&](const FleetProgress& p) { progress = p; };
    run.on_host_done = [&](const HostRunResult& r) {
      json data = HostJson(r);
      data["progress"] = {{"total", progress.total},    {"done", progress.done},       {"ok", progress.ok},
                          {"failed", progress.failed},  {"running", progress.running}, {"batch", progress.batch},
                          {"batches", progress.batches}};
      Event(id, "execution.host", actor, data);
    };
    // A plain command takes the non-blocking engine (thousands of hosts in
    // flight on a few threads); everything else the thread pool.
    auto report = request.command.empty() ? RunOnFleet(*inventory, *hosts, *action, run)
                                          : RunCommandOnFleet(*inventory, *hosts, CommandFor(request), run);
    if (!report.ok()) return fail(report.status());
    json results = json::array();
    for (const auto& h : report->hosts) results.push_back(HostJson(h));
    std::string phase = report->aborted ? "Aborted" : (report->failed > 0 ? "Failed" : "Succeeded");
    json summary = {{"ok", report->ok},           {"failed", report->failed},
                    {"skipped", report->skipped}, {"changed", report->changed},
                    {"batches", report->batches}, {"durationMs", Millis(report->duration)}};
    json status = {{"phase", phase}, {"summary", summary}, {"hosts", results}};
    if (report->aborted) status["abortReason"] = report->abort_reason;
    SetStatus(id, status);
    json finished = {{"phase", phase}, {"summary", summary}};
    if (report->aborted) finished["abortReason"] = report->abort_reason;
    Event(id, "execution.finished", actor, finished);
  }

  Store& store_;
  Clock& clock_;
  SecretResolver resolver_;
  ExecutionServiceOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::list<Worker> threads_;
  int running_ = 0;
  bool shutting_down_ = false;
};

ExecutionService::ExecutionService(Store& store, Clock& clock, SecretResolver resolver, ExecutionServiceOptions options)
    : impl_(std::make_unique<Impl>(store, clock, std::move(resolver), std::move(options))) {}
ExecutionService::~ExecutionService() = default;
Result<std::string> ExecutionService::Start(const ExecutionRequest& request, const std::string& actor) {
  return impl_->Start(request, actor);
}
void ExecutionService::Shutdown() { impl_->Shutdown(); }

}  // namespace kelola
