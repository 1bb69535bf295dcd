// `kelola analyze eval-sessions`: trains the session model on normal sessions
// and prints recall, false-positive rate and the F1 they imply at a given
// normal:abnormal ratio (docs/analysis.md, "Session anomalies").
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "anomaly/session_eval.h"
#include "anomaly/session_model.h"
#include "cli/commands.h"
#include "fmt/format.h"

namespace kelola {
namespace {

struct EvalSessionsFlags {
  std::string normal;
  std::string abnormal;
  std::string train_normal;
  double ratio_normal = 553366;
  double ratio_abnormal = 16838;
  bool explain = false;
};

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  const bool same = std::filesystem::equivalent(a, b, ec);
  return !ec && same;
}

int RunEvalSessions(const EvalSessionsFlags& f) {
  auto normal = anomaly::ReadSessionFile(f.normal);
  if (!normal.ok()) return ReportError(normal.status());
  auto abnormal = anomaly::ReadSessionFile(f.abnormal);
  if (!abnormal.ok()) return ReportError(abnormal.status());
  anomaly::SessionSplit split;
  std::string split_note;
  if (f.train_normal.empty() || SameFile(f.train_normal, f.normal)) {
    split = anomaly::HoldOutEveryOther(*normal);
    split_note = "even lines of --normal train, odd lines held out";
  } else {
    auto train = anomaly::ReadSessionFile(f.train_normal);
    if (!train.ok()) return ReportError(train.status());
    split.train = std::move(*train);
    split.held_out = std::move(*normal);
    split_note = "--train-normal trains, all of --normal held out";
  }
  if (split.train.empty() || split.held_out.empty()) {
    return ReportError(InvalidArgumentError("need at least one training and one held-out normal session"));
  }
  const anomaly::SessionModel model = anomaly::SessionModel::Train(split.train);
  const anomaly::SessionEvalFigures fig =
      anomaly::EvaluateSessions(model, split.held_out, *abnormal, split.train.size(), f.ratio_normal, f.ratio_abnormal);
  if (f.explain) {
    for (const std::string& inv : model.DescribeInvariants()) fmt::print("invariant {}\n", inv);
    for (const auto& s : split.held_out) {
      const auto v = model.Score(s);
      if (v.anomalous) fmt::print("false positive: {}\n", v.reason);
    }
  }
  fmt::print("abnormal\t{}\tsessions={}\tflagged={}\trecall={:.4f}\n", f.abnormal, fig.abnormal, fig.abnormal_flagged,
             fig.recall);
  fmt::print("normal\t{}\tsessions={}\tflagged={}\tfpr={:.4f}\n", f.normal, fig.normal, fig.normal_flagged,
             fig.false_positive_rate);
  fmt::print(
      "summary\ttrain={} ({})\tkeys={}\tinvariants={}\texclusions={}\trecall={:.4f}\tfpr={:.4f}\t"
      "implied_precision={:.4f}\timplied_f1={:.4f}\tratio={}:{}\n",
      fig.train, split_note, model.key_count(), model.invariant_count(), model.exclusion_count(), fig.recall,
      fig.false_positive_rate, fig.implied_precision, fig.implied_f1, f.ratio_normal, f.ratio_abnormal);
  return 0;
}

}  // namespace

void AddEvalSessionsCommand(CLI::App& analyze, int& exit_code) {
  auto f = std::make_shared<EvalSessionsFlags>();
  auto* cmd = analyze.add_subcommand(
      "eval-sessions", "Train the session anomaly model on normal sessions; print recall, false-positive rate, F1");
  cmd->add_option("--normal", f->normal, "normal sessions, one per line (keys separated by spaces)")->required();
  cmd->add_option("--abnormal", f->abnormal, "abnormal sessions, same format")->required();
  cmd->add_option("--train-normal", f->train_normal,
                  "normal sessions to train on; the --normal file itself (or none) trains on its even lines and holds "
                  "out the odd ones");
  cmd->add_option("--ratio-normal", f->ratio_normal, "normal sessions in the population the F1 is implied for")
      ->capture_default_str();
  cmd->add_option("--ratio-abnormal", f->ratio_abnormal, "abnormal sessions in that population")->capture_default_str();
  cmd->add_flag("--explain", f->explain, "also print the learned invariants and why each held-out session was flagged");
  cmd->callback([&exit_code, f] { exit_code = RunEvalSessions(*f); });
}

}  // namespace kelola
