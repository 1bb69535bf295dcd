// libFuzzer target: Loki's label selector strings (`{a="b"}`), as every
// protobuf push carries one per stream. No input may crash or hang; labels
// that parse must print to a string that parses back to the same labels.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/loki/loki_labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto labels = kelola::ParseLokiLabels(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!labels.ok()) return 0;
  for (const auto& [name, value] : *labels) {
    if (!kelola::IsValidLokiLabelName(name)) std::abort();
  }
  auto again = kelola::ParseLokiLabels(kelola::FormatLokiLabels(*labels));
  if (!again.ok() || *again != *labels) std::abort();
  return 0;
}
