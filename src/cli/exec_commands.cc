// kelola exec | copy | runbook apply | hosts: remote execution through the
// server (POST /v1/executions), following the run's events as they come.
#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "base/crypto.h"
#include "cli/cli_support.h"
#include "cli/progress_line.h"

namespace kelola {
namespace {

using json = nlohmann::json;

struct Target {
  std::string selector;
  std::vector<std::string> names;
  bool sudo = false;
  int64_t timeout = 0;
  std::string serial;
  int64_t max_fail = 100;
  int64_t parallel = 64;
};

void AddTargetFlags(CLI::App* cmd, Target& t) {
  cmd->add_option("-l,--selector", t.selector, "label selector over hosts, e.g. role=web,zone in (a,b)");
  cmd->add_option("--host", t.names, "only these hosts (repeatable)");
  cmd->add_flag("--sudo", t.sudo, "run as root through sudo -n");
  cmd->add_option("--timeout", t.timeout, "seconds per host (0 = none)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--serial", t.serial, "rolling batches: a count (5) or a share (20%)");
  cmd->add_option("--max-fail-percentage", t.max_fail, "stop after a batch failing more than this")
      ->check(CLI::Range(0, 100));
  cmd->add_option("--parallel", t.parallel, "hosts at once")->check(CLI::Range(1, 1024));
}

json Body(const Target& t) {
  json body = {{"selector", t.selector},
               {"sudo", t.sudo},
               {"timeoutSeconds", t.timeout},
               {"maxFailPercentage", t.max_fail},
               {"maxParallel", t.parallel}};
  if (!t.names.empty()) body["names"] = t.names;
  if (!t.serial.empty()) body["serial"] = t.serial;
  return body;
}

std::string FirstLine(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return line.size() > 80 ? line.substr(0, 77) + "..." : line;
}

FleetProgress ProgressFromJson(const json& p) {
  FleetProgress out;
  out.total = p.value("total", 0);
  out.done = p.value("done", 0);
  out.ok = p.value("ok", 0);
  out.failed = p.value("failed", 0);
  out.running = p.value("running", 0);
  out.batch = p.value("batch", 0);
  out.batches = p.value("batches", 0);
  return out;
}

// Starts the execution, prints each host as it finishes, then the summary.
int Run(const GlobalFlags& flags, const json& body) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  auto created = (*client)->Post("/v1/executions", body);
  if (!created.ok()) return ReportError(created.status());
  std::string name = (*created)["metadata"]["name"];
  const bool table = *format == OutputFormat::kTable;
  if (table) std::cerr << "execution " << name << " started\n";
  // The live line only for people at a terminal, never into pipes or files.
  ProgressLine progress(std::cout, std::cerr, table && IsTerminal(STDERR_FILENO), SystemClock());
  Status followed =
      (*client)->FollowEvents("/v1/events?follow=1&subject=" + PercentEncode("Execution/" + name), [&](const json& e) {
        const std::string type = e.value("type", "");
        const json& d = e["data"];
        if (type == "execution.started") {
          FleetProgress p;
          p.total = d.value("hosts", 0);
          progress.Update(p);
        }
        if (type == "execution.host" && table) {
          std::string line = d.value("state", "") + "  " + d.value("host", "");
          if (d.value("exitCode", -1) >= 0) line += "  exit=" + std::to_string(d.value("exitCode", -1));
          if (d.value("errorKind", "none") != "none") line += "  " + d.value("errorKind", "");
          std::string detail = d.value("error", "");
          if (detail.empty()) detail = FirstLine(d.value("stdout", ""));
          if (!detail.empty()) line += "  " + detail;
          progress.Print(line);
          if (d.contains("progress") && d["progress"].is_object()) progress.Update(ProgressFromJson(d["progress"]));
        }
        return type != "execution.finished";
      });
  progress.Finish();
  if (!followed.ok()) return ReportError(followed);
  auto final_state = (*client)->Get("/v1/executions/" + name);
  if (!final_state.ok()) return ReportError(final_state.status());
  const json status = (*final_state)["status"];
  if (!table) {
    std::cout << RenderResources(*final_state, *format);
  } else {
    const json summary = status.value("summary", json::object());
    std::cout << status.value("phase", "") << ": " << summary.value("ok", 0) << " ok, " << summary.value("failed", 0)
              << " failed, " << summary.value("skipped", 0) << " skipped, " << summary.value("changed", 0)
              << " changed";
    if (status.contains("abortReason")) std::cout << " (" << status["abortReason"].get<std::string>() << ")";
    if (status.contains("error")) std::cout << " (" << status["error"].get<std::string>() << ")";
    std::cout << "\n";
  }
  return status.value("phase", "") == "Succeeded" ? 0 : 1;
}

// PUT /v1/files/sha256:<hex> unless the server has it already; returns
// "sha256:<hex>".
Result<std::string> UploadFile(const GlobalFlags& flags, const std::string& path) {
  KELOLA_ASSIGN_OR_RETURN(std::string content, ReadInputFile(path));
  const std::string digest = "sha256:" + Sha256Hex(content);
  KELOLA_ASSIGN_OR_RETURN(auto client, MakeApiClient(flags));
  auto known = client->Get("/v1/files/" + digest);
  if (known.ok()) return digest;
  if (known.status().code() != StatusCode::kNotFound) return known.status();
  // 10 minutes: at 1 MB/s that is 600 MB, beyond which files.max_bytes is
  // likely to refuse anyway.
  auto put = client->PutBytes("/v1/files/" + digest, std::move(content), std::chrono::minutes(10));
  if (!put.ok()) return put.status().WithContext("uploading " + path);
  return digest;
}

}  // namespace

void AddExecCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* exec = app.add_subcommand("exec", "Run a command on hosts over SSH: kelola exec -l role=web 'uptime'");
  auto exec_target = std::make_shared<Target>();
  auto command = std::make_shared<std::string>();
  exec->add_option("command", *command, "the command line")->required();
  AddTargetFlags(exec, *exec_target);
  exec->callback([&flags, &exit_code, exec_target, command] {
    json body = Body(*exec_target);
    body["command"] = *command;
    exit_code = Run(flags, body);
  });

  auto* copy = app.add_subcommand("copy", "Copy a file to hosts: kelola copy app.conf /etc/app.conf -l role=web");
  auto copy_target = std::make_shared<Target>();
  auto file = std::make_shared<std::string>();
  auto dest = std::make_shared<std::string>();
  auto mode = std::make_shared<std::string>("0644");
  copy->add_option("file", *file, "local file")->required();
  copy->add_option("dest", *dest, "absolute path on the hosts")->required();
  copy->add_option("--mode", *mode, "octal file mode")->capture_default_str();
  AddTargetFlags(copy, *copy_target);
  copy->callback([&flags, &exit_code, copy_target, file, dest, mode] {
    unsigned long m = 0;
    try {
      m = std::stoul(*mode, nullptr, 8);
    } catch (const std::exception&) {
      exit_code = ReportError(InvalidArgumentError("--mode " + *mode + ": expected an octal mode like 0644"));
      return;
    }
    // The content goes first to the server's file store (any size up to
    // files.max_bytes, streamed to disk there); the execution names it.
    auto digest = UploadFile(flags, *file);
    if (!digest.ok()) {
      exit_code = ReportError(digest.status());
      return;
    }
    json body = Body(*copy_target);
    body["copy"] = {{"file", *digest}, {"dest", *dest}, {"mode", m}};
    exit_code = Run(flags, body);
  });

  auto* runbook = app.add_subcommand("runbook", "Runbooks: idempotent steps run on hosts over SSH");
  runbook->require_subcommand(1);
  auto* apply = runbook->add_subcommand("apply", "Apply a runbook: kelola runbook apply book.yaml -l role=web");
  auto book_target = std::make_shared<Target>();
  auto book = std::make_shared<std::string>();
  apply->add_option("file", *book, "runbook YAML")->required();
  AddTargetFlags(apply, *book_target);
  apply->callback([&flags, &exit_code, book_target, book] {
    auto text = ReadInputFile(*book);
    if (!text.ok()) {
      exit_code = ReportError(text.status());
      return;
    }
    json body = Body(*book_target);
    body["runbook"] = *text;
    exit_code = Run(flags, body);
  });

  auto* hosts = app.add_subcommand("hosts", "List the hosts kelola can reach (same as: kelola get hosts)");
  auto selector = std::make_shared<std::string>();
  hosts->add_option("-l,--selector", *selector, "label selector");
  hosts->callback([&flags, &exit_code, selector] { exit_code = GetResources(flags, "hosts", "", *selector); });
}

}  // namespace kelola
