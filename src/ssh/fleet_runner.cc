#include "ssh/fleet_runner.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/crypto.h"

namespace kelola {
namespace {

constexpr int kMaxParallel = 1024;

void FillFromExec(const Result<ExecResult>& run, HostRunResult& result) {
  if (!run.ok()) {
    result.state = HostRunResult::State::kFailed;
    result.error_kind = SshErrorKindOf(run.status());
    result.error = run.status().message();
    return;
  }
  result.exit_code = run->exit_code;
  result.out = run->out;
  result.err = run->err;
  result.error_kind = run->error_kind();
  result.state = run->ok() ? HostRunResult::State::kOk : HostRunResult::State::kFailed;
  if (!run->ok()) result.error = run->Describe();
}

Result<std::string> Sha256OfFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFoundError("copy: cannot read local file " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 16);
  while (file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx, buffer.data(), static_cast<size_t>(file.gcount()));
  }
  const bool failed = file.bad();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  if (failed) return InternalError("copy: read error on " + path);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

// Shared state of one batch's workers.
struct BatchState {
  std::mutex mu;
  size_t next = 0;
  int failed = 0;
};

}  // namespace

std::string_view HostRunStateName(HostRunResult::State state) {
  switch (state) {
    case HostRunResult::State::kOk: return "ok";
    case HostRunResult::State::kFailed: return "failed";
    case HostRunResult::State::kSkipped: return "skipped";
  }
  return "?";
}

Result<FleetRunReport> RunOnFleet(const FleetInventory& inventory, const std::vector<const FleetHost*>& hosts,
                                  const HostAction& action, const FleetRunOptions& options) {
  if (hosts.empty()) return InvalidArgumentError("fleet run: no hosts selected");
  if (options.max_parallel < 1 || options.max_parallel > kMaxParallel) {
    return InvalidArgumentError("fleet run: max_parallel must be 1-" + std::to_string(kMaxParallel) + ", got " +
                                std::to_string(options.max_parallel));
  }
  if (options.rollout.max_fail_percentage < 0 || options.rollout.max_fail_percentage > 100) {
    return InvalidArgumentError("fleet run: max_fail_percentage must be 0-100");
  }
  if (!action) return InvalidArgumentError("fleet run: no action");
  Clock& clock = options.clock != nullptr ? *options.clock : SystemClock();
  const MonoTime run_start = clock.Monotonic();

  FleetRunReport report;
  report.hosts.resize(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) {
    report.hosts[i].host = hosts[i]->name;
    report.hosts[i].target = hosts[i]->user + "@" + hosts[i]->address + ":" + std::to_string(hosts[i]->port);
  }
  const std::vector<int> batches = PlanBatches(static_cast<int>(hosts.size()), options.rollout);
  report.batches = static_cast<int>(batches.size());

  std::mutex report_mu;  // guards progress and the callbacks
  FleetProgress progress;
  progress.total = static_cast<int>(hosts.size());
  progress.batches = report.batches;

  size_t batch_start = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    const size_t batch_size = static_cast<size_t>(batches[b]);
    const size_t batch_end = batch_start + batch_size;
    for (size_t i = batch_start; i < batch_end; ++i) report.hosts[i].batch = static_cast<int>(b + 1);
    if (report.aborted) {
      for (size_t i = batch_start; i < batch_end; ++i) report.hosts[i].error = "not run: " + report.abort_reason;
      batch_start = batch_end;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(report_mu);
      progress.batch = static_cast<int>(b + 1);
    }
    BatchState state;
    state.next = batch_start;
    auto work = [&] {
      while (true) {
        size_t index;
        {
          std::lock_guard<std::mutex> lock(state.mu);
          if (state.next >= batch_end) return;
          index = state.next++;
        }
        HostRunResult& result = report.hosts[index];
        const FleetHost& host = *hosts[index];
        {
          std::lock_guard<std::mutex> lock(report_mu);
          ++progress.running;
          if (options.on_progress) options.on_progress(progress);
        }
        const MonoTime start = clock.Monotonic();
        auto ssh_options = SshOptionsForHost(inventory, host, options.resolver);
        if (ssh_options.ok() && options.clock != nullptr) ssh_options->clock = options.clock;
        auto session = ssh_options.ok() ? SshSession::Connect(*ssh_options)
                                        : Result<std::unique_ptr<SshSession>>(ssh_options.status());
        if (!session.ok()) {
          result.state = HostRunResult::State::kFailed;
          result.error_kind = SshErrorKindOf(session.status());
          result.error = session.status().message();
        } else {
          result.state = HostRunResult::State::kFailed;  // unless the action says otherwise
          action(**session, host, result);
          session->reset();  // disconnect before the next host
        }
        result.duration = clock.Monotonic() - start;
        const bool failed = result.state != HostRunResult::State::kOk;
        {
          std::lock_guard<std::mutex> lock(state.mu);
          if (failed) ++state.failed;
        }
        std::lock_guard<std::mutex> lock(report_mu);
        --progress.running;
        ++progress.done;
        ++(failed ? progress.failed : progress.ok);
        if (options.on_host_done) options.on_host_done(result);
        if (options.on_progress) options.on_progress(progress);
      }
    };
    const size_t workers = std::min(batch_size, static_cast<size_t>(options.max_parallel));
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (size_t w = 0; w < workers; ++w) threads.emplace_back(work);
    for (auto& thread : threads) thread.join();

    if (FailureThresholdExceeded(state.failed, static_cast<int>(batch_size), options.rollout)) {
      char percent[32];
      std::snprintf(percent, sizeof percent, "%.0f%%", 100.0 * state.failed / static_cast<double>(batch_size));
      char limit[32];
      std::snprintf(limit, sizeof limit, "%g%%", options.rollout.max_fail_percentage);
      report.aborted = true;
      report.abort_reason = "the run stopped after batch " + std::to_string(b + 1) + " of " +
                            std::to_string(batches.size()) + ": " + std::to_string(state.failed) + " of " +
                            std::to_string(batch_size) + " hosts failed (" + percent + "), more than max_fail_percentage " +
                            limit;
    }
    batch_start = batch_end;
  }
  for (const HostRunResult& host : report.hosts) {
    if (host.state == HostRunResult::State::kOk) ++report.ok;
    if (host.state == HostRunResult::State::kFailed) ++report.failed;
    if (host.state == HostRunResult::State::kSkipped) ++report.skipped;
    if (host.changed) ++report.changed;
  }
  report.duration = clock.Monotonic() - run_start;
  return report;
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
  KELOLA_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(copy.local_path));
  return HostAction([copy = std::move(copy), sha256](SshSession& session, const FleetHost&, HostRunResult& result) {
    auto fail = [&](const Status& status) {
      result.state = HostRunResult::State::kFailed;
      result.error_kind = SshErrorKindOf(status);
      result.error = status.message();
    };
    auto current = session.InspectFile(copy.upload.remote_path, copy.upload.sudo);
    if (!current.ok()) return fail(current.status());
    const bool owner_matches = copy.upload.owner.empty() ||
                               copy.upload.owner == current->owner ||
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
