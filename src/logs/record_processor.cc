#include "logs/record_processor.h"

#include <re2/re2.h>

#include "logs/log_level.h"

namespace kelola {
namespace {

Result<std::unique_ptr<re2::RE2>> Compile(const std::string& pattern, const char* what) {
  if (pattern.empty()) return std::unique_ptr<re2::RE2>();
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, opts);
  if (!re->ok()) return InvalidArgumentError(std::string(what) + ": pattern \"" + pattern + "\": " + re->error());
  return re;
}

}  // namespace

Result<std::unique_ptr<RecordProcessor>> RecordProcessor::Create(const RecordProcessorOptions& options) {
  std::unique_ptr<RecordProcessor> p(new RecordProcessor());
  p->options_ = options;
  KELOLA_ASSIGN_OR_RETURN(p->parser_, MakeLogParser(options.parser));
  if (!options.filter.min_level.empty()) {
    p->min_rank_ = LevelRank(NormalizeLevel(options.filter.min_level));
    if (p->min_rank_ < 0) {
      return InvalidArgumentError("filter.min_level: \"" + options.filter.min_level +
                                  "\" is not a level (trace, debug, info, warn, error, fatal)");
    }
  }
  KELOLA_ASSIGN_OR_RETURN(p->drop_, Compile(options.filter.drop_regex, "filter.drop_regex"));
  KELOLA_ASSIGN_OR_RETURN(p->keep_, Compile(options.filter.keep_regex, "filter.keep_regex"));
  return p;
}

RecordProcessor::~RecordProcessor() = default;

bool RecordProcessor::Process(LogRecord& record, int64_t now_ms) {
  if (parser_ != nullptr) {
    // A split piece is not a whole line; the last piece of one is not either,
    // but nothing marks it, so it is tried (and usually not accepted).
    if (!record.split && parser_->Parse(record, now_ms)) {
      ++counters_.parsed;
    } else {
      ++counters_.unparsed;
    }
  }
  for (const auto& [k, v] : options_.labels) record.fields[k] = v;
  const auto& f = options_.filter;
  bool keep = true;
  if (min_rank_ >= 0 && !record.level.empty() && LevelRank(record.level) < min_rank_) keep = false;
  if (keep && drop_ && RE2::PartialMatch(record.text, *drop_)) keep = false;
  if (keep && keep_ && !RE2::PartialMatch(record.text, *keep_)) keep = false;
  for (auto it = f.field_equals.begin(); keep && it != f.field_equals.end(); ++it) {
    auto found = record.fields.find(it->first);
    if (found == record.fields.end() || found->second != it->second) keep = false;
  }
  if (!keep) ++counters_.filtered;
  return keep;
}

}  // namespace kelola
