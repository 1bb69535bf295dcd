// LineSplitter: turns a byte stream that arrives in arbitrary chunks into
// lines for a callback, without the '\n'. A line longer than the limit is
// delivered in pieces of at most that size, so a child printing megabytes
// without a newline cannot make the runner buffer without bound. Finish()
// delivers a last unterminated line.
//
// Thread-safety: none; one splitter per stream, used by one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace kelola {

class LineSplitter {
 public:
  using LineFn = std::function<void(std::string_view line)>;
  // A null `on_line` makes the splitter a no-op.
  LineSplitter(LineFn on_line, size_t max_line_bytes);

  void Append(std::string_view data);
  void Finish();

 private:
  LineFn on_line_;
  size_t max_line_bytes_;
  std::string partial_;
};

}  // namespace kelola
