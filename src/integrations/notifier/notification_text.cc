#include "integrations/notifier/notification_text.h"

namespace kelola {

size_t CountAlerts(const Notification& n, AlertStatus status) {
  size_t count = 0;
  for (const Alert& a : n.alerts) count += a.status == status ? 1 : 0;
  return count;
}

std::string NotificationTitle(const Notification& n) {
  std::string title;
  if (n.Status() == AlertStatus::kFiring) {
    title = "[FIRING:" + std::to_string(CountAlerts(n, AlertStatus::kFiring)) + "]";
  } else {
    title = "[RESOLVED]";
  }
  for (const auto& [name, value] : n.group_labels) title += " " + value;
  std::string others;
  for (const auto& [name, value] : n.CommonLabels()) {
    if (n.group_labels.count(name) == 0) others += (others.empty() ? "" : " ") + value;
  }
  if (!others.empty()) title += " (" + others + ")";
  return title;
}

std::string AlertSummary(const Alert& a) {
  for (const char* key : {"summary", "description"}) {
    if (auto it = a.annotations.find(key); it != a.annotations.end() && !it->second.empty()) return it->second;
  }
  if (auto it = a.labels.find("alertname"); it != a.labels.end() && !it->second.empty()) return it->second;
  return "alert";
}

std::string LabelPairs(const LabelSet& labels) {
  std::string out;
  for (const auto& [name, value] : labels) out += (out.empty() ? "" : " ") + name + "=" + value;
  return out;
}

std::string TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  static constexpr std::string_view kEllipsis = "\xe2\x80\xa6";  // U+2026
  if (max_bytes < kEllipsis.size()) return "";
  size_t cut = max_bytes - kEllipsis.size();
  // Back up to the start of a UTF-8 sequence (not a continuation byte).
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + std::string(kEllipsis);
}

}  // namespace kelola
