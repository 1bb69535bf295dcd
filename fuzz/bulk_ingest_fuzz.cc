// libFuzzer target: every body POSTed to the Elasticsearch-compatible
// /_bulk ingest goes through ParseBulkIngest. No input may crash, hang or
// leak; the per-item results must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "logs/bulk_ingest_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto items = kelola::ParseBulkIngest(body, "fuzz", 1);
  if (!items.ok()) return 0;
  for (const auto& item : *items) {
    if (item.status == 0 && (item.index.empty() || item.agent.empty() || item.agent.size() > 255)) std::abort();
    if (item.status != 0 && item.error_type.empty()) std::abort();
  }
  (void)kelola::ParseRfc3339Millis(body);
  return 0;
}
