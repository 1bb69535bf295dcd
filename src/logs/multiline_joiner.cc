#include "logs/multiline_joiner.h"

#include <re2/re2.h>

namespace kelola {

Result<std::unique_ptr<MultilineJoiner>> MultilineJoiner::Create(const std::string& start_pattern,
                                                                 size_t max_event_bytes) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(start_pattern, opts);
  if (!re->ok()) {
    return InvalidArgumentError("multiline start pattern \"" + start_pattern + "\": " + re->error());
  }
  return std::unique_ptr<MultilineJoiner>(new MultilineJoiner(std::move(re), max_event_bytes));
}

MultilineJoiner::MultilineJoiner(std::unique_ptr<re2::RE2> start, size_t max_event_bytes)
    : start_(std::move(start)), max_event_bytes_(max_event_bytes) {}

MultilineJoiner::~MultilineJoiner() = default;

void MultilineJoiner::Add(LogRecord line, MonoTime now, std::vector<LogRecord>& out) {
  bool continuation = last_was_split_ || !RE2::PartialMatch(line.text, *start_);
  last_was_split_ = line.split;
  last_add_ = now;
  if (held_ && continuation && held_->text.size() + 1 + line.text.size() <= max_event_bytes_) {
    // A split piece continues the same physical line: no separator.
    bool same_line = held_->split;
    if (!same_line) held_->text += '\n';
    held_->text += line.text;
    held_->end_offset = line.end_offset;
    held_->split = line.split;
    return;
  }
  Flush(out);
  held_ = std::move(line);
}

void MultilineJoiner::FlushIfIdle(MonoTime now, Duration idle, std::vector<LogRecord>& out) {
  if (held_ && now - last_add_ >= idle) Flush(out);
}

void MultilineJoiner::Flush(std::vector<LogRecord>& out) {
  if (!held_) return;
  out.push_back(std::move(*held_));
  held_.reset();
}

}  // namespace kelola
