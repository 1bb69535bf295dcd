// kelola pipelines | runs list|get|logs|cancel|retry: the Pipelines API
// (GET /v1/pipelines, /v1/runs, /v1/runs/{id}/logs; POST /v1/runs/{id}/cancel|retry).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/cli_support.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Short(const std::string& sha) { return sha.substr(0, 12); }

void PrintRuns(const json& items, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    std::cout << items.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return;
  }
  if (format == OutputFormat::kYaml) {
    std::cout << JsonToYaml(items);
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "PIPELINE", "STATUS", "EVENT", "REF", "COMMIT", "CREATED"}};
  for (const json& r : items) {
    std::string status = r.value("status", "");
    if (r.value("cancelRequested", false) && status == "running") status += " (cancelling)";
    rows.push_back({r.value("id", ""), r.value("pipeline", ""), status, r.value("event", ""), r.value("ref", ""),
                    Short(r.value("sha", "")), r.value("createdAt", "")});
  }
  std::cout << FormatTable(rows);
}

void PrintRun(const json& r, OutputFormat format) {
  if (format != OutputFormat::kTable) {
    std::cout << (format == OutputFormat::kJson ? r.dump(2, ' ', false, json::error_handler_t::replace) + "\n"
                                                : JsonToYaml(r));
    return;
  }
  std::cout << "id:        " << r.value("id", "") << "\n"
            << "pipeline:  " << r.value("pipeline", "") << "\n"
            << "status:    " << r.value("status", "")
            << (r.contains("reason") ? " (" + r["reason"].get<std::string>() + ")" : "") << "\n"
            << "commit:    " << r.value("sha", "") << " " << r.value("ref", "") << "\n"
            << "event:     " << r.value("event", "") << " delivery " << r.value("deliveryId", "") << "\n"
            << "created:   " << r.value("createdAt", "") << "\n";
  if (r.contains("images")) {
    for (const json& i : r["images"]) std::cout << "image:     " << i.value("pinned", "") << "\n";
  }
  if (!r["steps"].empty()) {
    std::vector<std::vector<std::string>> rows = {{"STEP", "STATUS", "EXIT"}};
    for (const json& s : r["steps"]) {
      rows.push_back({s.value("name", ""), s.value("status", ""),
                      s.contains("exitCode") ? std::to_string(s["exitCode"].get<int>()) : ""});
    }
    std::cout << FormatTable(rows);
  }
}

// "[test] line" — the step's name, and the runner's own lines marked.
void PrintLogLine(const json& l, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    std::cout << l.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    return;
  }
  std::string step = l.value("step", "");
  std::string stream = l.value("stream", "");
  std::cout << "[" << (step.empty() ? "run" : step) << (stream == "kelola" ? "*" : "") << "] " << l.value("line", "")
            << std::endl;
}

struct RunFlags {
  std::string pipeline;
  std::string status;
  int limit = 50;
  std::string id;
};

int Call(const GlobalFlags& flags, const std::function<int(ApiClient&, OutputFormat)>& body) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  return body(**client, *format);
}

}  // namespace

void AddPipelineCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* pipelines = app.add_subcommand("pipelines", "List pipelines (same as: kelola get pipelines)");
  pipelines->callback([&flags, &exit_code] { exit_code = GetResources(flags, "pipelines", "", ""); });

  auto* runs = app.add_subcommand("runs", "Pipeline runs: list, get, logs, cancel, retry");
  runs->require_subcommand(1);
  auto f = std::make_shared<RunFlags>();
  auto* list = runs->add_subcommand("list", "Runs, newest first");
  list->add_option("-p,--pipeline", f->pipeline, "only this pipeline's runs");
  list->add_option("--status", f->status, "queued, running, succeeded, failed, cancelled or error");
  list->add_option("--limit", f->limit, "at most this many (1-1000)")->capture_default_str();
  list->callback([&flags, &exit_code, f] {
    exit_code = Call(flags, [f](ApiClient& c, OutputFormat format) {
      std::string q = "?limit=" + std::to_string(f->limit);
      if (!f->pipeline.empty()) q += "&pipeline=" + PercentEncode(f->pipeline);
      if (!f->status.empty()) q += "&status=" + PercentEncode(f->status);
      auto r = c.Get("/v1/runs" + q);
      if (!r.ok()) return ReportError(r.status());
      PrintRuns((*r)["items"], format);
      return 0;
    });
  });
  auto* logs = runs->add_subcommand("logs", "A run's output, step by step ([step*] marks kelola's own lines)");
  auto log_id = std::make_shared<std::string>();
  auto follow = std::make_shared<bool>(false);
  logs->add_option("id", *log_id, "the run id")->required();
  logs->add_flag("-f,--follow", *follow, "keep printing new lines until the run ends");
  logs->callback([&flags, &exit_code, log_id, follow] {
    exit_code = Call(flags, [&](ApiClient& c, OutputFormat format) {
      const std::string path = "/v1/runs/" + PercentEncode(*log_id) + "/logs";
      if (*follow) {
        Status st = c.FollowLines(path + "?follow=1", [format](const json& l) {
          PrintLogLine(l, format);
          return true;
        });
        return st.ok() ? 0 : ReportError(st);
      }
      auto r = c.Get(path);
      if (!r.ok()) return ReportError(r.status());
      for (const json& l : (*r)["items"]) PrintLogLine(l, format);
      return 0;
    });
  });
  for (const char* verb : {"get", "cancel", "retry"}) {
    const std::string v = verb;
    auto* cmd = runs->add_subcommand(v, v == "get"      ? "Show one run and its steps"
                                        : v == "cancel" ? "Cancel a queued or running run"
                                                        : "Queue a new run of a finished run's commit");
    auto id = std::make_shared<std::string>();
    cmd->add_option("id", *id, "the run id")->required();
    cmd->callback([&flags, &exit_code, v, id] {
      exit_code = Call(flags, [&](ApiClient& c, OutputFormat format) {
        const std::string path = "/v1/runs/" + PercentEncode(*id);
        auto r = v == "get" ? c.Get(path) : c.Post(path + "/" + v, json::object());
        if (!r.ok()) return ReportError(r.status());
        PrintRun(*r, format);
        return 0;
      });
    });
  }
}

}  // namespace kelola
