// kelola analyze eval-templates DIR | parse FILE: the template miner
// (src/analyze) offline, to measure it on labelled logs and to let anyone
// score its output with their own evaluator. docs/analysis.md.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unordered_map>

#include <CLI/CLI.hpp>

#include "analyze/csv.h"
#include "analyze/loghub_eval.h"
#include "analyze/template_miner.h"
#include "cli/commands.h"

namespace kelola {
namespace {

struct AnalyzeFlags {
  std::string path;
  std::string csv_column;
  analyze::MinerOptions miner;
};

void AddMinerOptions(CLI::App* cmd, AnalyzeFlags& f) {
  cmd->add_option("--similarity", f.miner.similarity, "share of token positions that must agree (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--leading-tokens", f.miner.leading_tokens, "leading tokens used as prefix-tree keys (0..2)")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  cmd->add_option("--min-distinct-values", f.miner.min_distinct_values,
                  "distinct words seen at a position before it becomes a variable")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
}

int EvalTemplates(const AnalyzeFlags& f) {
  auto results = analyze::EvaluateFolder(f.path, f.miner);
  if (!results.ok()) return ReportError(results.status());
  double ga = 0, pa = 0;
  size_t lines = 0;
  double seconds = 0;
  std::printf("%-14s %7s %9s %9s %7s %7s\n", "DATASET", "LINES", "TRUE_TPL", "FOUND_TPL", "GA", "PA");
  for (const auto& r : *results) {
    std::printf("%-14s %7zu %9zu %9zu %7.3f %7.3f\n", r.name.c_str(), r.lines, r.score.true_templates,
                r.score.found_templates, r.score.grouping_accuracy, r.score.parsing_accuracy);
    ga += r.score.grouping_accuracy;
    pa += r.score.parsing_accuracy;
    lines += r.lines;
    seconds += r.seconds;
  }
  const auto n = static_cast<double>(results->size());
  std::printf("%-14s %7zu %9s %9s %7.3f %7.3f  (%zu datasets, %.0f lines/s mining)\n", "AVERAGE", lines, "", "", ga / n,
              pa / n, results->size(), seconds > 0 ? static_cast<double>(lines) / seconds : 0.0);
  return 0;
}

Result<std::vector<std::string>> ReadMessages(const AnalyzeFlags& f) {
  std::ifstream in(f.path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + f.path);
  std::vector<std::string> lines;
  if (f.csv_column.empty()) {
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
    }
    return lines;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  auto rows = analyze::ParseCsv(ss.str());
  if (!rows.ok()) return rows.status().WithContext(f.path);
  if (rows->empty()) return InvalidArgumentError(f.path + ": empty CSV");
  int col = -1;
  for (size_t i = 0; i < rows->front().size(); ++i) {
    if (rows->front()[i] == f.csv_column) col = static_cast<int>(i);
  }
  if (col < 0) return InvalidArgumentError(f.path + ": no column named " + f.csv_column);
  for (size_t r = 1; r < rows->size(); ++r) {
    const auto& row = (*rows)[r];
    lines.push_back(static_cast<size_t>(col) < row.size() ? row[static_cast<size_t>(col)] : std::string());
  }
  return lines;
}

int Parse(const AnalyzeFlags& f) {
  auto lines = ReadMessages(f);
  if (!lines.ok()) return ReportError(lines.status());
  analyze::TemplateMiner miner(f.miner);
  std::vector<uint64_t> ids;
  ids.reserve(lines->size());
  int64_t t = 0;
  for (const auto& line : *lines) ids.push_back(miner.Add(line, ++t));
  // Each line gets the template its cluster ended with, like offline Drain.
  std::unordered_map<uint64_t, std::string> text;
  for (const auto& info : miner.Templates()) text.emplace(info.id, info.text);
  std::string out = "LineId,TemplateId,Template\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint64_t id = miner.Resolve(ids[i]);
    out += std::to_string(i + 1) + "," + std::to_string(id) + "," + analyze::CsvField(text[id]) + "\n";
    if (out.size() > (1 << 16)) {
      std::cout << out;
      out.clear();
    }
  }
  std::cout << out << std::flush;
  return std::cout ? 0 : 1;
}

}  // namespace

void AddAnalyzeCommands(CLI::App& app, int& exit_code) {
  auto* analyze = app.add_subcommand("analyze", "Log analysis tools: template mining evaluation and parsing");
  analyze->require_subcommand(1);

  auto eval_flags = std::make_shared<AnalyzeFlags>();
  auto* eval = analyze->add_subcommand(
      "eval-templates", "Grouping and parsing accuracy on labelled logs laid out like Loghub-2k (DIR/<System>/...)");
  eval->add_option("DIR", eval_flags->path, "folder with one subfolder per dataset")->required();
  AddMinerOptions(eval, *eval_flags);
  eval->callback([eval_flags, &exit_code] { exit_code = EvalTemplates(*eval_flags); });

  auto parse_flags = std::make_shared<AnalyzeFlags>();
  auto* parse = analyze->add_subcommand("parse", "Print LineId,TemplateId,Template (CSV) for every line of FILE");
  parse->add_option("FILE", parse_flags->path, "log file, one message per line")->required();
  parse->add_option("--csv-column", parse_flags->csv_column,
                    "FILE is CSV with a header: take the messages from this column (e.g. Content)");
  AddMinerOptions(parse, *parse_flags);
  parse->callback([parse_flags, &exit_code] { exit_code = Parse(*parse_flags); });
}

}  // namespace kelola
