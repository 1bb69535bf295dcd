#include "analyze/loghub_eval.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include <re2/re2.h>

#include "analyze/csv.h"
#include "analyze/token_masker.h"

namespace kelola::analyze {
namespace fs = std::filesystem;

std::string AlignTruth(std::string_view content, std::string_view truth) {
  std::vector<std::string_view> parts;
  size_t from = 0;
  for (;;) {
    size_t at = truth.find(kWildcard, from);
    parts.push_back(truth.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from));
    if (at == std::string_view::npos) break;
    from = at + kWildcard.size();
  }
  if (parts.size() == 1) return NormalizeTemplate(truth);
  std::string pattern;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) pattern += "(.*?)";
    pattern += RE2::QuoteMeta(re2::StringPiece(parts[i].data(), parts[i].size()));
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(false);
  RE2 re(pattern, opts);
  const int groups = re.NumberOfCapturingGroups();
  if (!re.ok() || groups <= 0) return NormalizeTemplate(truth);
  std::vector<re2::StringPiece> found(static_cast<size_t>(groups));
  std::vector<RE2::Arg> args(found.size());
  std::vector<const RE2::Arg*> arg_ptrs(found.size());
  for (size_t i = 0; i < found.size(); ++i) {
    args[i] = RE2::Arg(&found[i]);
    arg_ptrs[i] = &args[i];
  }
  if (!RE2::FullMatchN(re2::StringPiece(content.data(), content.size()), re, arg_ptrs.data(), groups)) {
    return NormalizeTemplate(truth);
  }
  std::string aligned;
  for (size_t i = 0; i < parts.size(); ++i) {
    aligned.append(parts[i]);
    if (i < found.size() && !found[i].empty()) aligned.append(kWildcard);
  }
  return NormalizeTemplate(aligned);
}

namespace {

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<LabelledLog> ReadLabelledLog(const std::string& dir) {
  std::error_code ec;
  fs::path corrected;
  fs::path plain;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (EndsWith(name, "_structured_corrected.csv")) corrected = entry.path();
    if (EndsWith(name, "_structured.csv")) plain = entry.path();
  }
  if (ec) return NotFoundError("cannot list " + dir + ": " + ec.message());
  const fs::path csv_path = corrected.empty() ? plain : corrected;
  if (csv_path.empty()) return NotFoundError(dir + ": no *_structured_corrected.csv or *_structured.csv");
  KELOLA_ASSIGN_OR_RETURN(std::string text, ReadFile(csv_path));
  auto rows = ParseCsv(text);
  if (!rows.ok()) return rows.status().WithContext(csv_path.string());
  if (rows->empty()) return InvalidArgumentError(csv_path.string() + ": empty");
  const CsvRow& header = rows->front();
  auto column = [&header](std::string_view name) -> int {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  const int content_col = column("Content");
  const int template_col = column("EventTemplate");
  if (content_col < 0 || template_col < 0) {
    return InvalidArgumentError(csv_path.string() + ": header needs the columns Content and EventTemplate");
  }
  LabelledLog log;
  log.name = fs::path(dir).filename().string();
  if (log.name.empty()) log.name = fs::path(dir).parent_path().filename().string();
  log.csv_path = csv_path.string();
  for (size_t r = 1; r < rows->size(); ++r) {
    const CsvRow& row = (*rows)[r];
    const auto need = static_cast<size_t>(std::max(content_col, template_col));
    if (row.size() <= need) {
      return InvalidArgumentError(csv_path.string() + ": row " + std::to_string(r + 1) + " has " +
                                  std::to_string(row.size()) + " fields");
    }
    log.content.push_back(row[static_cast<size_t>(content_col)]);
    log.truth.push_back(AlignTruth(row[static_cast<size_t>(content_col)], row[static_cast<size_t>(template_col)]));
  }
  return log;
}

ParseScore Score(const std::vector<std::string>& truth, const std::vector<std::string>& predicted) {
  ParseScore score;
  const size_t n = std::min(truth.size(), predicted.size());
  if (n == 0) return score;
  std::unordered_map<std::string_view, uint32_t> truth_ids;
  std::unordered_map<std::string_view, uint32_t> predicted_ids;
  std::vector<uint32_t> t(n), p(n);
  size_t exact = 0;
  for (size_t i = 0; i < n; ++i) {
    t[i] = truth_ids.emplace(truth[i], static_cast<uint32_t>(truth_ids.size())).first->second;
    p[i] = predicted_ids.emplace(predicted[i], static_cast<uint32_t>(predicted_ids.size())).first->second;
    exact += truth[i] == predicted[i];
  }
  std::vector<size_t> truth_size(truth_ids.size()), predicted_size(predicted_ids.size());
  // For each predicted group: the single true group it covers, or "mixed".
  constexpr uint32_t kUnset = UINT32_MAX, kMixed = UINT32_MAX - 1;
  std::vector<uint32_t> covers(predicted_ids.size(), kUnset);
  for (size_t i = 0; i < n; ++i) {
    ++truth_size[t[i]];
    ++predicted_size[p[i]];
    uint32_t& c = covers[p[i]];
    c = c == kUnset ? t[i] : (c == t[i] ? c : kMixed);
  }
  size_t grouped = 0;
  for (size_t g = 0; g < covers.size(); ++g) {
    if (covers[g] < kMixed && truth_size[covers[g]] == predicted_size[g]) grouped += predicted_size[g];
  }
  score.grouping_accuracy = static_cast<double>(grouped) / static_cast<double>(n);
  score.parsing_accuracy = static_cast<double>(exact) / static_cast<double>(n);
  score.true_templates = truth_ids.size();
  score.found_templates = predicted_ids.size();
  return score;
}

std::vector<std::string> MineTemplates(const std::vector<std::string>& content, const MinerOptions& options,
                                       double* seconds) {
  TemplateMiner miner(options);
  std::vector<uint64_t> ids;
  ids.reserve(content.size());
  const auto start = std::chrono::steady_clock::now();
  int64_t t = 0;
  for (const auto& line : content) ids.push_back(miner.Add(line, ++t));
  if (seconds) *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::unordered_map<uint64_t, std::string> text;
  for (const auto& info : miner.Templates()) text.emplace(info.id, info.text);
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (uint64_t id : ids) out.push_back(text[miner.Resolve(id)]);
  return out;
}

Result<std::vector<DatasetResult>> EvaluateFolder(const std::string& dir, const MinerOptions& options) {
  std::error_code ec;
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  if (ec) return NotFoundError("cannot list " + dir + ": " + ec.message());
  std::sort(folders.begin(), folders.end());
  std::vector<DatasetResult> results;
  for (const auto& folder : folders) {
    auto log = ReadLabelledLog(folder.string());
    if (!log.ok()) {
      if (log.status().code() == StatusCode::kNotFound) continue;  // not a dataset folder
      return log.status();
    }
    DatasetResult r;
    r.name = log->name;
    r.lines = log->content.size();
    auto predicted = MineTemplates(log->content, options, &r.seconds);
    r.score = Score(log->truth, predicted);
    results.push_back(std::move(r));
  }
  if (results.empty()) return NotFoundError(dir + ": no dataset folders (<System>/*_structured.csv)");
  return results;
}

}  // namespace kelola::analyze
