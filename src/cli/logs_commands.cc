// kelola logs query | tail -f | templates: read the embedded log store over the
// REST API (GET /v1/logs/query, GET /v1/logs/tail, GET /v1/logs/templates).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/cli_support.h"

namespace kelola {
namespace {

using json = nlohmann::json;

struct LogsFlags {
  std::string since;
  int64_t from = 0;
  int64_t to = 0;
  std::vector<std::string> selectors;
  std::string contains;
  std::string regex;
  std::string level;
  std::string template_id;
  int64_t limit = 1000;
  int64_t after = -1;
  bool follow = false;
};

std::string QueryString(const LogsFlags& f, bool with_limit) {
  std::string q;
  auto add = [&q](const std::string& name, const std::string& value) {
    if (value.empty()) return;
    q += (q.empty() ? "?" : "&") + name + "=" + PercentEncode(value);
  };
  add("since", f.since);
  if (f.from > 0) add("from", std::to_string(f.from));
  if (f.to > 0) add("to", std::to_string(f.to));
  std::string selector;
  for (const auto& s : f.selectors) selector += (selector.empty() ? "" : ",") + s;
  add("selector", selector);
  add("contains", f.contains);
  add("regex", f.regex);
  add("level", f.level);
  add("template", f.template_id);
  if (with_limit) add("limit", std::to_string(f.limit));
  if (f.after >= 0) add("after", std::to_string(f.after));
  return q;
}

void Print(const json& r, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    std::cout << r.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return;
  }
  if (format == OutputFormat::kYaml) {
    std::cout << JsonToYaml(r) << "---\n";
    return;
  }
  std::cout << r.value("time", "") << " " << r.value("agent", "") << " " << r.value("file", "") << ": "
            << r.value("text", "") << "\n";
}

int Query(const GlobalFlags& flags, const LogsFlags& f) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  auto r = (*client)->Get("/v1/logs/query" + QueryString(f, true));
  if (!r.ok()) return ReportError(r.status());
  for (const auto& item : (*r)["items"]) Print(item, *format);
  if (r->value("more", false)) {
    std::cerr << "(more records: continue with --after " << r->value("next", 0) << ")\n";
  }
  return 0;
}

int Tail(const GlobalFlags& flags, const LogsFlags& f) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  if (!f.follow) {
    // Without -f: the newest `limit` records, like tail(1).
    auto r = (*client)->Get("/v1/logs/query" + QueryString(f, false) + (QueryString(f, false).empty() ? "?" : "&") +
                            "limit=10000");
    if (!r.ok()) return ReportError(r.status());
    const auto& items = (*r)["items"];
    size_t start = items.size() > static_cast<size_t>(f.limit) ? items.size() - static_cast<size_t>(f.limit) : 0;
    for (size_t i = start; i < items.size(); ++i) Print(items[i], *format);
    return 0;
  }
  Status s = (*client)->FollowEvents("/v1/logs/tail" + QueryString(f, false), [&](const json& r) {
    Print(r, *format);
    std::cout << std::flush;
    return true;
  });
  return s.ok() ? 0 : ReportError(s);
}

struct TemplatesFlags {
  int64_t limit = 50;
  std::string sort = "count";
  std::string contains;
};

int Templates(const GlobalFlags& flags, const TemplatesFlags& f) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  std::string q = "?limit=" + std::to_string(f.limit) + "&sort=" + PercentEncode(f.sort);
  if (!f.contains.empty()) q += "&contains=" + PercentEncode(f.contains);
  auto r = (*client)->Get("/v1/logs/templates" + q);
  if (!r.ok()) return ReportError(r.status());
  if (*format == OutputFormat::kJson) {
    std::cout << r->dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (*format == OutputFormat::kYaml) {
    std::cout << JsonToYaml(*r);
    return 0;
  }
  std::cout << "ID\tCOUNT\tLAST SEEN\tTEMPLATE\n";
  for (const auto& t : (*r)["items"]) {
    std::cout << t.value("id", 0) << "\t" << t.value("count", 0) << "\t" << t.value("lastSeen", "") << "\t"
              << t.value("template", "") << "\n";
  }
  return 0;
}

void AddFilterFlags(CLI::App* cmd, LogsFlags& f) {
  cmd->add_option("--since", f.since, "only records newer than this, e.g. 15m, 2h");
  cmd->add_option("--from", f.from, "only records at or after this time (Unix ms)");
  cmd->add_option("--to", f.to, "only records before this time (Unix ms)");
  cmd->add_option("-l,--selector", f.selectors, "label match name=value (agent, file, or a label); repeatable");
  cmd->add_option("--contains", f.contains, "only records containing this text");
  cmd->add_option("--regex", f.regex, "only records matching this RE2 pattern");
  cmd->add_option("--level", f.level, "only records at this level or above (trace, debug, info, warn, error, fatal)");
  cmd->add_option("--after", f.after, "only records after this id");
  cmd->add_option("--template", f.template_id, "only records of this template id (kelola logs templates)");
}

}  // namespace

void AddLogsCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* logs = app.add_subcommand("logs", "Query and follow the logs the agents shipped");
  logs->require_subcommand(1);
  auto qf = std::make_shared<LogsFlags>();
  auto* query = logs->add_subcommand("query", "Records matching a time range, labels, text or regex");
  AddFilterFlags(query, *qf);
  query->add_option("--limit", qf->limit, "at most this many records (1-10000)")->capture_default_str();
  query->callback([&flags, &exit_code, qf] { exit_code = Query(flags, *qf); });

  auto tf = std::make_shared<LogsFlags>();
  tf->limit = 10;
  auto* tail = logs->add_subcommand("tail", "The newest records; -f keeps streaming new ones");
  AddFilterFlags(tail, *tf);
  tail->add_flag("-f,--follow", tf->follow, "keep streaming records as they arrive");
  tail->add_option("-n,--lines", tf->limit, "records shown without -f")->capture_default_str();
  tail->callback([&flags, &exit_code, tf] { exit_code = Tail(flags, *tf); });

  auto pf = std::make_shared<TemplatesFlags>();
  auto* templates = logs->add_subcommand("templates", "The templates learned from stored lines, most frequent first");
  templates->add_option("--limit", pf->limit, "at most this many templates (1-100000)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  templates->add_option("--sort", pf->sort, "count or id")
      ->check(CLI::IsMember({"count", "id"}))
      ->capture_default_str();
  templates->add_option("--contains", pf->contains, "only templates whose text contains this");
  templates->callback([&flags, &exit_code, pf] { exit_code = Templates(flags, *pf); });
}

}  // namespace kelola
