#include "anomaly/detection.h"

namespace kelola::anomaly {

std::string LabelsKey(const Labels& labels) {
  std::string key;
  for (const auto& [name, value] : labels) {
    if (!key.empty()) key += ',';
    key += name;
    key += '=';
    key += value;
  }
  return key;
}

}  // namespace kelola::anomaly
