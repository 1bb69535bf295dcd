#include "proc/line_splitter.h"

#include <algorithm>

namespace kelola {

LineSplitter::LineSplitter(LineFn on_line, size_t max_line_bytes)
    : on_line_(std::move(on_line)), max_line_bytes_(std::max<size_t>(max_line_bytes, 1)) {}

void LineSplitter::Append(std::string_view data) {
  if (!on_line_) return;
  while (!data.empty()) {
    size_t newline = data.find('\n');
    if (newline == std::string_view::npos) {
      partial_.append(data);
      break;
    }
    std::string_view rest_of_line = data.substr(0, newline);
    data.remove_prefix(newline + 1);
    if (partial_.empty() && rest_of_line.size() <= max_line_bytes_) {
      on_line_(rest_of_line);  // the common case: no copy
      continue;
    }
    partial_.append(rest_of_line);
    size_t offset = 0;
    while (partial_.size() - offset > max_line_bytes_) {
      on_line_(std::string_view(partial_).substr(offset, max_line_bytes_));
      offset += max_line_bytes_;
    }
    on_line_(std::string_view(partial_).substr(offset));
    partial_.clear();
  }
  // Unterminated data beyond the limit goes out now in full pieces; up to one
  // piece stays buffered so that "limit bytes, then '\n'" is one line, the
  // same however the bytes were chunked.
  size_t offset = 0;
  while (partial_.size() - offset > max_line_bytes_) {
    on_line_(std::string_view(partial_).substr(offset, max_line_bytes_));
    offset += max_line_bytes_;
  }
  if (offset > 0) partial_.erase(0, offset);
}

void LineSplitter::Finish() {
  if (!on_line_ || partial_.empty()) return;
  on_line_(partial_);
  partial_.clear();
}

}  // namespace kelola
