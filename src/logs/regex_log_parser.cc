// The regex parser: an RE2 pattern with named groups, matched anywhere in the
// line (anchor it with ^...$ to match the whole line).
#include <re2/re2.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "logs/log_parser.h"

namespace kelola {
namespace {

class RegexLogParser : public LogParser {
 public:
  RegexLogParser(std::unique_ptr<re2::RE2> re, size_t max_fields) : re_(std::move(re)), max_fields_(max_fields) {
    groups_.resize(static_cast<size_t>(re_->NumberOfCapturingGroups()) + 1);
  }

  bool Parse(LogRecord& record, int64_t /*now_ms*/) override {
    if (!re_->Match(record.text, 0, record.text.size(), RE2::UNANCHORED, groups_.data(),
                    static_cast<int>(groups_.size()))) {
      return false;
    }
    size_t added = 0;
    for (const auto& [index, name] : re_->CapturingGroupNames()) {
      const re2::StringPiece& g = groups_[static_cast<size_t>(index)];
      if (g.data() == nullptr) continue;  // an optional group that did not take part
      if (added++ >= max_fields_) break;
      record.fields.emplace(name, std::string(g.data(), g.size()));
    }
    LevelFromFields(record);
    return true;
  }

 private:
  std::unique_ptr<re2::RE2> re_;
  size_t max_fields_;
  std::vector<re2::StringPiece> groups_;
};

}  // namespace

Result<std::unique_ptr<LogParser>> MakeRegexLogParser(const std::string& pattern, size_t max_fields) {
  if (pattern.empty()) return InvalidArgumentError("regex parser: a pattern with named groups is required");
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, opts);
  if (!re->ok()) return InvalidArgumentError("regex parser: pattern \"" + pattern + "\": " + re->error());
  if (re->NamedCapturingGroups().empty()) {
    return InvalidArgumentError("regex parser: pattern \"" + pattern + "\" has no named group (?P<name>...)");
  }
  return std::unique_ptr<LogParser>(std::make_unique<RegexLogParser>(std::move(re), max_fields));
}

}  // namespace kelola
