#include "ssh/fleet_runner.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/crypto.h"
#include "ssh/exec_loop.h"
#include "ssh/shell_quote.h"

namespace kelola {
namespace {

constexpr int kMaxParallel = 1024;

void FillFromExec(const ExecResult& run, HostRunResult& result) {
  result.exit_code = run.exit_code;
  result.out = run.out;
  result.err = run.err;
  result.error_kind = run.error_kind();
  result.state = run.ok() ? HostRunResult::State::kOk : HostRunResult::State::kFailed;
  if (!run.ok()) result.error = run.Describe();
}

void FillFromExec(const Result<ExecResult>& run, HostRunResult& result) {
  if (!run.ok()) {
    result.state = HostRunResult::State::kFailed;
    result.error_kind = SshErrorKindOf(run.status());
    result.error = run.status().message();
    return;
  }
  FillFromExec(*run, result);
}

}  // namespace

std::string_view HostRunStateName(HostRunResult::State state) {
  switch (state) {
    case HostRunResult::State::kOk: return "ok";
    case HostRunResult::State::kFailed: return "failed";
    case HostRunResult::State::kSkipped: return "skipped";
  }
  return "?";
}

namespace {

// One run: the report, the progress counters and the batch loop shared by
// the thread-pool and the event-loop ways of working a batch.
class FleetRun {
 public:
  FleetRun(const FleetInventory& inventory, const std::vector<const FleetHost*>& hosts, const FleetRunOptions& options)
      : inventory_(inventory),
        hosts_(hosts),
        options_(options),
        clock_(options.clock != nullptr ? *options.clock : SystemClock()) {}

  static Status Validate(const std::vector<const FleetHost*>& hosts, const FleetRunOptions& options) {
    if (hosts.empty()) return InvalidArgumentError("fleet run: no hosts selected");
    if (options.max_parallel < 1 || options.max_parallel > kMaxParallel) {
      return InvalidArgumentError("fleet run: max_parallel must be 1-" + std::to_string(kMaxParallel) + ", got " +
                                  std::to_string(options.max_parallel));
    }
    if (options.rollout.max_fail_percentage < 0 || options.rollout.max_fail_percentage > 100) {
      return InvalidArgumentError("fleet run: max_fail_percentage must be 0-100");
    }
    return OkStatus();
  }

  // Runs the batches in order; `run_batch` works the hosts [begin, end).
  FleetRunReport Execute(const std::function<void(size_t begin, size_t end)>& run_batch) {
    const MonoTime run_start = clock_.Monotonic();
    report_.hosts.resize(hosts_.size());
    for (size_t i = 0; i < hosts_.size(); ++i) {
      report_.hosts[i].host = hosts_[i]->name;
      report_.hosts[i].target = hosts_[i]->user + "@" + hosts_[i]->address + ":" + std::to_string(hosts_[i]->port);
    }
    const std::vector<int> batches = PlanBatches(static_cast<int>(hosts_.size()), options_.rollout);
    report_.batches = static_cast<int>(batches.size());
    progress_.total = static_cast<int>(hosts_.size());
    progress_.batches = report_.batches;
    size_t begin = 0;
    for (size_t b = 0; b < batches.size(); ++b) {
      const size_t size = static_cast<size_t>(batches[b]);
      const size_t end = begin + size;
      for (size_t i = begin; i < end; ++i) report_.hosts[i].batch = static_cast<int>(b + 1);
      if (report_.aborted) {
        for (size_t i = begin; i < end; ++i) report_.hosts[i].error = "not run: " + report_.abort_reason;
        begin = end;
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        progress_.batch = static_cast<int>(b + 1);
        batch_failed_ = 0;
      }
      run_batch(begin, end);
      if (FailureThresholdExceeded(batch_failed_, static_cast<int>(size), options_.rollout)) {
        char percent[32];
        std::snprintf(percent, sizeof percent, "%.0f%%", 100.0 * batch_failed_ / static_cast<double>(size));
        char limit[32];
        std::snprintf(limit, sizeof limit, "%g%%", options_.rollout.max_fail_percentage);
        report_.aborted = true;
        report_.abort_reason = "the run stopped after batch " + std::to_string(b + 1) + " of " +
                               std::to_string(batches.size()) + ": " + std::to_string(batch_failed_) + " of " +
                               std::to_string(size) + " hosts failed (" + percent +
                               "), more than max_fail_percentage " + limit;
      }
      begin = end;
    }
    for (const HostRunResult& host : report_.hosts) {
      if (host.state == HostRunResult::State::kOk) ++report_.ok;
      if (host.state == HostRunResult::State::kFailed) ++report_.failed;
      if (host.state == HostRunResult::State::kSkipped) ++report_.skipped;
      if (host.changed) ++report_.changed;
    }
    report_.duration = clock_.Monotonic() - run_start;
    return std::move(report_);
  }

  // Works hosts with blocking sessions on min(max_parallel, count) threads.
  void RunPool(const std::vector<size_t>& indices, const HostAction& action) {
    std::mutex next_mu;
    size_t next = 0;
    auto work = [&] {
      while (true) {
        size_t index;
        {
          std::lock_guard<std::mutex> lock(next_mu);
          if (next >= indices.size()) return;
          index = indices[next++];
        }
        Started(1);
        HostRunResult& result = report_.hosts[index];
        const MonoTime start = clock_.Monotonic();
        auto options = OptionsFor(index);
        auto session =
            options.ok() ? SshSession::Connect(*options) : Result<std::unique_ptr<SshSession>>(options.status());
        if (!session.ok()) {
          FailWith(result, session.status());
        } else {
          result.state = HostRunResult::State::kFailed;  // unless the action says otherwise
          action(**session, *hosts_[index], result);
          session->reset();  // disconnect before the next host
        }
        result.duration = clock_.Monotonic() - start;
        Finished(index);
      }
    };
    const size_t workers = std::min(indices.size(), static_cast<size_t>(options_.max_parallel));
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) threads.emplace_back(work);
    for (auto& thread : threads) thread.join();
  }

  // Runs one command on hosts with ExecLoop; hosts it cannot drive go to
  // the pool afterwards.
  void RunLoop(size_t begin, size_t end, const FleetCommand& command) {
    std::vector<ExecLoopTarget> targets;
    std::vector<size_t> target_hosts;
    std::vector<size_t> pool;
    for (size_t i = begin; i < end; ++i) {
      auto options = OptionsFor(i);
      if (!options.ok()) {
        Started(1);
        FailWith(report_.hosts[i], options.status());
        Finished(i);
        continue;
      }
      if (!ExecLoopCanRun(*options)) {
        pool.push_back(i);
        continue;
      }
      auto remote = RemoteShellCommand(command.command, command.sudo, options->sudo_argv);
      if (!remote.ok()) {
        Started(1);
        FailWith(report_.hosts[i], remote.status());
        Finished(i);
        continue;
      }
      targets.push_back({std::move(*options), std::move(*remote)});
      target_hosts.push_back(i);
    }
    if (!targets.empty()) {
      ExecLoopOptions loop;
      loop.timeout = command.timeout;
      loop.max_captured_bytes = command.max_output_bytes;
      loop.max_in_flight = options_.max_in_flight;
      loop.clock = options_.clock;
      Started(static_cast<int>(std::min<size_t>(targets.size(), options_.max_in_flight)));
      size_t done = 0;
      loop.on_done = [&](size_t t, const ExecLoopOutcome& outcome) {
        HostRunResult& result = report_.hosts[target_hosts[t]];
        if (!outcome.status.ok()) {
          FailWith(result, outcome.status);
        } else {
          FillFromExec(outcome.result, result);
          result.changed = result.state == HostRunResult::State::kOk;
        }
        result.duration = outcome.result.duration;
        // Another host takes the freed slot, as long as any are left.
        ++done;
        if (done + options_.max_in_flight <= targets.size()) Started(1);
        Finished(target_hosts[t]);
      };
      RunExecLoop(targets, loop);
    }
    if (!pool.empty()) RunPool(pool, CommandAction(command));
  }

 private:
  Result<SshOptions> OptionsFor(size_t index) {
    auto options = SshOptionsForHost(inventory_, *hosts_[index], options_.resolver);
    if (options.ok() && options_.clock != nullptr) options->clock = options_.clock;
    return options;
  }

  static void FailWith(HostRunResult& result, const Status& status) {
    result.state = HostRunResult::State::kFailed;
    result.error_kind = SshErrorKindOf(status);
    result.error = status.message();
  }

  void Started(int count) {
    std::lock_guard<std::mutex> lock(mu_);
    progress_.running += count;
    if (options_.on_progress) options_.on_progress(progress_);
  }

  void Finished(size_t index) {
    const HostRunResult& result = report_.hosts[index];
    const bool failed = result.state != HostRunResult::State::kOk;
    std::lock_guard<std::mutex> lock(mu_);
    --progress_.running;
    ++progress_.done;
    ++(failed ? progress_.failed : progress_.ok);
    if (failed) ++batch_failed_;
    // Progress first: a host-done handler may report the counts with it.
    if (options_.on_progress) options_.on_progress(progress_);
    if (options_.on_host_done) options_.on_host_done(result);
  }

  const FleetInventory& inventory_;
  const std::vector<const FleetHost*>& hosts_;
  const FleetRunOptions& options_;
  Clock& clock_;
  FleetRunReport report_;
  std::mutex mu_;  // guards progress_, batch_failed_ and the callbacks
  FleetProgress progress_;
  int batch_failed_ = 0;
};

}  // namespace

Result<FleetRunReport> RunOnFleet(const FleetInventory& inventory, const std::vector<const FleetHost*>& hosts,
                                  const HostAction& action, const FleetRunOptions& options) {
  KELOLA_RETURN_IF_ERROR(FleetRun::Validate(hosts, options));
  if (!action) return InvalidArgumentError("fleet run: no action");
  FleetRun run(inventory, hosts, options);
  return run.Execute([&](size_t begin, size_t end) {
    std::vector<size_t> indices;
    for (size_t i = begin; i < end; ++i) indices.push_back(i);
    run.RunPool(indices, action);
  });
}

Result<FleetRunReport> RunCommandOnFleet(const FleetInventory& inventory, const std::vector<const FleetHost*>& hosts,
                                         const FleetCommand& command, const FleetRunOptions& options) {
  KELOLA_RETURN_IF_ERROR(FleetRun::Validate(hosts, options));
  if (options.max_in_flight < 1) return InvalidArgumentError("fleet run: max_in_flight must be at least 1");
  if (command.command.empty()) return InvalidArgumentError("fleet run: the command is empty");
  FleetRun run(inventory, hosts, options);
  return run.Execute([&](size_t begin, size_t end) { run.RunLoop(begin, end, command); });
}

HostAction CommandAction(FleetCommand command) {
  return [command = std::move(command)](SshSession& session, const FleetHost&, HostRunResult& result) {
    ExecOptions exec;
    exec.sudo = command.sudo;
    exec.timeout = command.timeout;
    exec.max_captured_bytes = command.max_output_bytes;
    FillFromExec(session.Exec(command.command, exec), result);
    result.changed = result.state == HostRunResult::State::kOk;  // a command may change anything
  };
}

HostAction ScriptAction(FleetScript script) {
  return [script = std::move(script)](SshSession& session, const FleetHost&, HostRunResult& result) {
    ExecOptions exec;
    exec.sudo = script.sudo;
    exec.timeout = script.timeout;
    exec.max_captured_bytes = script.max_output_bytes;
    exec.stdin_data = script.script;
    FillFromExec(session.ExecArgv({script.interpreter, "-s"}, exec), result);
    result.changed = result.state == HostRunResult::State::kOk;
  };
}

Result<HostAction> CopyAction(FleetCopy copy) {
  auto hashed = Sha256HexOfFile(copy.local_path);
  if (!hashed.ok()) return hashed.status().WithContext("copy");
  const std::string sha256 = *hashed;
  return HostAction([copy = std::move(copy), sha256](SshSession& session, const FleetHost&, HostRunResult& result) {
    auto fail = [&](const Status& status) {
      result.state = HostRunResult::State::kFailed;
      result.error_kind = SshErrorKindOf(status);
      result.error = status.message();
    };
    auto current = session.InspectFile(copy.upload.remote_path, copy.upload.sudo);
    if (!current.ok()) return fail(current.status());
    const bool owner_matches = copy.upload.owner.empty() || copy.upload.owner == current->owner ||
                               copy.upload.owner == current->owner + ":" + current->group;
    if (current->exists && current->sha256 == sha256 && current->mode == copy.upload.mode && owner_matches) {
      result.state = HostRunResult::State::kOk;
      result.out = "unchanged " + copy.upload.remote_path + " sha256 " + sha256 + "\n";
      return;
    }
    auto sent = session.Upload(copy.local_path, copy.upload);
    if (!sent.ok()) return fail(sent.status());
    result.state = HostRunResult::State::kOk;
    result.changed = true;
    result.out = "copied " + std::to_string(sent->bytes) + " bytes to " + copy.upload.remote_path + " sha256 " +
                 sent->sha256 + "\n";
  });
}

}  // namespace kelola
