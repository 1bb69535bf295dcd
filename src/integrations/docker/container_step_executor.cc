#include "integrations/docker/container_step_executor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "proc/line_splitter.h"
#include "runner/secret_masker.h"
#include "runner/step_scratch_dir.h"
#include "runner/step_script.h"

namespace kelola::docker {
namespace {

constexpr size_t kMaxLineBytes = 64 * 1024;

// One output stream: bytes -> masked bytes -> lines.
class OutputPipe {
 public:
  OutputPipe(const SecretMasker& masker, const StepLineFn& on_line, StepStream stream)
      : splitter_(
            [&on_line, stream](std::string_view line) {
              if (on_line) on_line(stream, line);
            },
            kMaxLineBytes),
        masking_(masker, [this](std::string_view bytes) { splitter_.Append(bytes); }) {}
  void Write(std::string_view bytes) { masking_.Write(bytes); }
  void Finish() {
    masking_.Flush();
    splitter_.Finish();
  }

 private:
  LineSplitter splitter_;
  MaskingStream masking_;
};

// Kills the container when the deadline passes, unless stopped first.
class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds timeout, std::function<void()> on_expiry) {
    if (timeout.count() <= 0) return;
    thread_ = std::thread([this, timeout, on_expiry = std::move(on_expiry)] {
      std::unique_lock lock(mu_);
      // Real time on purpose: the container runs in it.
      if (!cv_.wait_for(lock, timeout, [this] { return done_; })) {
        fired_ = true;
        lock.unlock();
        on_expiry();
      }
    });
  }
  ~Watchdog() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace

Result<StepOutcome> ContainerStepExecutor::Run(const StepSpec& spec, const StepLineFn& on_line, StepCancel& cancel) {
  const SecretMasker masker(spec.secrets);
  auto fail = [&](const Status& s) { return Status(s.code(), masker.Mask("step " + spec.name + ": " + s.message())); };
  if (spec.image.empty()) return InvalidArgumentError("step " + spec.name + ": no image for a container step");
  KELOLA_RETURN_IF_ERROR(ValidateWorkingDir(spec.working_dir));
  std::error_code ec;
  const std::filesystem::path workspace = std::filesystem::canonical(spec.workspace, ec);
  if (spec.workspace.empty() || ec || !std::filesystem::is_directory(workspace)) {
    return NotFoundError("step " + spec.name + ": workspace " + spec.workspace + " is not a directory");
  }
  StepScratchDir scratch;
  const std::string scripts_dir = spec.scripts_dir.empty() ? scratch.path() : spec.scripts_dir;
  if (scripts_dir.empty()) return InternalError("step " + spec.name + ": cannot create a scripts directory");
  auto script = WriteStepScript(scripts_dir, spec.name, spec.commands);
  if (!script.ok()) return fail(script.status());
  struct RemoveScript {
    std::string path;
    ~RemoveScript() { ::unlink(path.c_str()); }
  } remove_script{*script};

  ContainerParams params;
  params.image = spec.image;
  params.entrypoint = {"/bin/sh"};
  params.cmd = {std::string(kContainerScriptsDir) + "/" + std::filesystem::path(*script).filename().string()};
  params.env = spec.env;
  params.working_dir = std::string(kContainerWorkspace) + (spec.working_dir.empty() ? "" : "/" + spec.working_dir);
  params.labels = spec.labels;
  params.labels[kRunLabel] = spec.run_id;
  params.labels[kStepLabel] = spec.name;
  params.mounts = {{workspace.string(), kContainerWorkspace, false},
                   {std::filesystem::canonical(scripts_dir, ec).string(), kContainerScriptsDir, true}};

  StepOutcome outcome;
  const MonoTime started = clock_.Monotonic();
  if (cancel.cancelled()) {
    outcome.cancelled = true;
    return outcome;
  }
  auto id = docker_.CreateContainer(params);
  if (!id.ok() && id.status().code() == StatusCode::kNotFound && options_.pull_missing) {
    if (on_line) on_line(StepStream::kStderr, masker.Mask("kelola: pulling " + spec.image));
    Status pulled = docker_.Pull(spec.image, options_.pull_credentials, nullptr);
    if (!pulled.ok()) return fail(pulled);
    id = docker_.CreateContainer(params);
  }
  if (!id.ok()) return fail(id.status());
  // From here on the container is removed whatever happens.
  struct RemoveContainer {
    DockerClient& docker;
    std::string id;
    ~RemoveContainer() { (void)docker.RemoveContainer(id); }
  } remove_container{docker_, *id};

  Status started_status = docker_.StartContainer(*id);
  if (!started_status.ok()) return fail(started_status);
  std::atomic<bool> killed_by_cancel{false};
  cancel.OnCancel([this, &id, &killed_by_cancel] {
    killed_by_cancel = true;
    (void)docker_.KillContainer(*id);
  });
  Watchdog watchdog(spec.timeout, [this, &id] { (void)docker_.KillContainer(*id); });

  OutputPipe out(masker, on_line, StepStream::kStdout);
  OutputPipe err(masker, on_line, StepStream::kStderr);
  uint64_t out_bytes = 0, err_bytes = 0;
  Status logs = docker_.StreamLogs(*id, /*follow=*/true, [&](LogStream stream, std::string_view bytes) {
    (stream == LogStream::kStdout ? out_bytes : err_bytes) += bytes.size();
    (stream == LogStream::kStdout ? out : err).Write(bytes);
  });
  auto exit_code = docker_.WaitContainer(*id);
  if (logs.ok() && exit_code.ok()) {
    // The engine can end a follow stream when the container stops, before
    // its last unterminated line reaches the log (measured on 20.10: about
    // one run in three lost a final printf without '\n'). Read the log once
    // more and deliver only what the stream did not.
    uint64_t out_seen = 0, err_seen = 0;
    logs = docker_.StreamLogs(*id, /*follow=*/false, [&](LogStream stream, std::string_view bytes) {
      uint64_t& seen = stream == LogStream::kStdout ? out_seen : err_seen;
      const uint64_t delivered = stream == LogStream::kStdout ? out_bytes : err_bytes;
      const uint64_t skip = seen >= delivered ? 0 : std::min<uint64_t>(delivered - seen, bytes.size());
      seen += bytes.size();
      if (skip < bytes.size()) (stream == LogStream::kStdout ? out : err).Write(bytes.substr(skip));
    });
  }
  out.Finish();
  err.Finish();
  watchdog.Stop();
  cancel.Clear();
  outcome.elapsed = clock_.Monotonic() - started;
  outcome.timed_out = watchdog.fired();
  outcome.cancelled = killed_by_cancel.load() && !outcome.timed_out;
  if (!logs.ok() && !outcome.timed_out && !outcome.cancelled) return fail(logs);
  if (!exit_code.ok()) return fail(exit_code.status());
  outcome.exit_code = (outcome.timed_out || outcome.cancelled) ? -1 : *exit_code;
  return outcome;
}

Result<int> ContainerStepExecutor::RemoveRunContainers(const std::string& run_id) {
  KELOLA_ASSIGN_OR_RETURN(std::vector<std::string> ids, docker_.ListContainers(kRunLabel, run_id));
  int removed = 0;
  for (const std::string& id : ids) {
    KELOLA_RETURN_IF_ERROR(docker_.RemoveContainer(id));
    ++removed;
  }
  return removed;
}

}  // namespace kelola::docker
