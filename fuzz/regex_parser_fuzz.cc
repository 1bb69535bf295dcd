// libFuzzer target: the agent's regex log parser (src/logs/log_parser.h).
// The first line of the input is the pattern (configuration is outside input
// too: a bad pattern must be an error, not a crash), the rest is the line.
#include <string_view>

#include "log_parser_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto parser = kelola::MakeLogParser(
      {.kind = kelola::LogParserKind::kRegex, .regex = std::string(in.substr(0, nl)), .max_fields = 16});
  if (!parser.ok()) return 0;
  kelola::FuzzLogParser(**parser, data + nl + 1, size - nl - 1);
  return 0;
}
