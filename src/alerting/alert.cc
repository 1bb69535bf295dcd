#include "alerting/alert.h"

#include <cstdio>

namespace kelola {
namespace {

constexpr uint64_t kFnvOffset64 = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime64 = 1099511628211ULL;
constexpr unsigned char kSeparator = 0xff;

uint64_t HashAdd(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime64;
  }
  return h;
}

uint64_t HashAddByte(uint64_t h, unsigned char c) {
  h ^= c;
  return h * kFnvPrime64;
}

// Entries present with the same value in every label set of `sets`.
template <typename Get>
LabelSet Common(const std::vector<Alert>& alerts, Get get) {
  if (alerts.empty()) return {};
  LabelSet common = get(alerts.front());
  for (size_t i = 1; i < alerts.size() && !common.empty(); ++i) {
    const LabelSet& other = get(alerts[i]);
    for (auto it = common.begin(); it != common.end();) {
      auto found = other.find(it->first);
      if (found == other.end() || found->second != it->second) {
        it = common.erase(it);
      } else {
        ++it;
      }
    }
  }
  return common;
}

}  // namespace

std::string_view AlertStatusName(AlertStatus s) { return s == AlertStatus::kFiring ? "firing" : "resolved"; }

uint64_t LabelsFingerprint(const LabelSet& labels) {
  uint64_t h = kFnvOffset64;
  for (const auto& [name, value] : labels) {  // std::map iterates in name order
    h = HashAddByte(HashAdd(h, name), kSeparator);
    h = HashAddByte(HashAdd(h, value), kSeparator);
  }
  return h;
}

std::string FingerprintHex(uint64_t fingerprint) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fingerprint));
  return buf;
}

AlertStatus Notification::Status() const {
  for (const Alert& a : alerts) {
    if (a.status == AlertStatus::kFiring) return AlertStatus::kFiring;
  }
  return AlertStatus::kResolved;
}

LabelSet Notification::CommonLabels() const {
  return Common(alerts, [](const Alert& a) -> const LabelSet& { return a.labels; });
}

LabelSet Notification::CommonAnnotations() const {
  return Common(alerts, [](const Alert& a) -> const LabelSet& { return a.annotations; });
}

}  // namespace kelola
