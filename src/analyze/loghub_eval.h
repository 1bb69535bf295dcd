// Scoring template mining against labelled logs laid out like Loghub-2k:
// DIR/<System>/<System>_2k.log_structured_corrected.csv (or any
// *_structured_corrected.csv, else *_structured.csv) with a header row naming
// a `Content` column (the message without its header) and an
// `EventTemplate` column (ground truth, variables as "<*>").
//
// Grouping Accuracy (GA) and Parsing Accuracy (PA) as Loghub-2.0 computes
// them: GA counts a line as right when the set of lines sharing its
// predicted template equals the set sharing its true template; PA when the
// predicted template text equals the true one. Before comparing, the true
// template is aligned with its line (a "<*>" that stands for an empty string
// is dropped) and both are normalised by NormalizeTemplate().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/template_miner.h"
#include "base/status.h"

namespace kelola::analyze {

struct LabelledLog {
  std::string name;                  // the folder name
  std::string csv_path;              // where it came from
  std::vector<std::string> content;  // one message per line, in order
  std::vector<std::string> truth;    // its true template, aligned and normalised
};

struct ParseScore {
  double grouping_accuracy = 0;
  double parsing_accuracy = 0;
  size_t true_templates = 0;
  size_t found_templates = 0;
};

struct DatasetResult {
  std::string name;
  size_t lines = 0;
  ParseScore score;
  double seconds = 0;  // time spent mining (not reading)
};

// The true template with a "<*>" removed wherever it matches the empty
// string in `content` (Loghub-2.0's align_with_null_values), normalised.
std::string AlignTruth(std::string_view content, std::string_view truth);

// Finds the structured CSV in `dir` and reads Content and EventTemplate.
Result<LabelledLog> ReadLabelledLog(const std::string& dir);

// GA and PA of `predicted` (one template text per line) against `truth`.
ParseScore Score(const std::vector<std::string>& truth, const std::vector<std::string>& predicted);

// Mines `log.content` with a fresh miner and returns each line's final
// template text (the template its cluster ended with), normalised.
std::vector<std::string> MineTemplates(const std::vector<std::string>& content, const MinerOptions& options,
                                       double* seconds = nullptr);

// Every dataset folder directly under `dir`, sorted by name.
Result<std::vector<DatasetResult>> EvaluateFolder(const std::string& dir, const MinerOptions& options);

}  // namespace kelola::analyze
