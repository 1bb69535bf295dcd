#include "logs/line_assembler.h"

#include <algorithm>

namespace kelola {

LineAssembler::LineAssembler(size_t max_line_bytes, uint64_t start_offset)
    : max_line_bytes_(std::max<size_t>(max_line_bytes, 1)), pending_start_(start_offset) {}

void LineAssembler::Emit(std::string_view text, uint64_t offset, uint64_t end_offset, bool split,
                         std::vector<LogRecord>& out) {
  if (!split && !text.empty() && text.back() == '\r') text.remove_suffix(1);
  LogRecord& r = out.emplace_back();  // built in place: no move of the whole record
  r.text.assign(text);
  r.offset = offset;
  r.end_offset = end_offset;
  r.split = split;
}

void LineAssembler::Feed(std::string_view bytes, std::vector<LogRecord>& out) {
  while (!bytes.empty()) {
    size_t room = max_line_bytes_ - pending_.size();
    size_t nl = bytes.find('\n');
    if (nl != std::string_view::npos && nl <= room) {
      uint64_t start = pending_start_;
      uint64_t end = pending_start_ + pending_.size() + nl + 1;
      if (pending_.empty()) {
        Emit(bytes.substr(0, nl), start, end, false, out);
      } else {
        pending_.append(bytes.substr(0, nl));
        Emit(pending_, start, end, false, out);
        pending_.clear();
      }
      pending_start_ = end;
      bytes.remove_prefix(nl + 1);
      continue;
    }
    size_t take = std::min(bytes.size(), room);
    pending_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (pending_.size() == max_line_bytes_ && (bytes.empty() ? false : bytes.front() != '\n')) {
      // The line goes on past the limit: ship this piece now.
      uint64_t end = pending_start_ + pending_.size();
      Emit(pending_, pending_start_, end, true, out);
      pending_.clear();
      pending_start_ = end;
    }
  }
}

void LineAssembler::FlushPartial(std::vector<LogRecord>& out) {
  if (pending_.empty()) return;
  uint64_t end = pending_start_ + pending_.size();
  Emit(pending_, pending_start_, end, false, out);
  pending_.clear();
  pending_start_ = end;
}

void LineAssembler::Reset(uint64_t offset) {
  pending_.clear();
  pending_start_ = offset;
}

}  // namespace kelola
