// libFuzzer target: the agent's json log parser (src/logs/log_parser.h).
#include "log_parser_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto parser = std::move(*kelola::MakeLogParser({.kind = kelola::LogParserKind::kJson}));
  kelola::FuzzLogParser(*parser, data, size);
  return 0;
}
