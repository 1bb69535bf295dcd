#include "integrations/notifier/notifier_values.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace kelola {

std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
      text.replace(pos, secret.size(), "<redacted>");
      pos += 10;
    }
  }
  return text;
}

std::vector<std::string> SecretPartsOfUrl(std::string_view url) {
  std::vector<std::string> parts = {std::string(url)};
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    if (size_t colon = userinfo.find(':'); colon != std::string_view::npos && colon + 1 < userinfo.size()) {
      parts.emplace_back(userinfo.substr(colon + 1));
    }
  }
  if (slash == std::string_view::npos) return parts;
  std::string_view path = rest.substr(slash);
  if (path.size() > 1) parts.emplace_back(path);
  std::string_view only_path = path.substr(0, path.find_first_of("?#"));
  std::string_view last = only_path.substr(only_path.rfind('/') + 1);
  if (last.size() >= 8) parts.emplace_back(last);
  return parts;
}

std::string BodyExcerpt(std::string_view body, size_t max_bytes) {
  std::string out(body.substr(0, max_bytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  size_t start = out.find_first_not_of(' ');
  out.erase(0, start == std::string::npos ? out.size() : start);
  if (body.size() > max_bytes) out += "...";
  return out;
}

Status ValidateReceiverUrl(std::string_view key, std::string_view url) {
  const std::string k(key);
  if (url.empty()) return InvalidArgumentError(k + ": required");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgumentError(k + ": contains whitespace or a control character");
    }
  }
  std::string lower;
  for (char c : url.substr(0, 8)) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t scheme_end = 0;
  if (lower.rfind("https://", 0) == 0) {
    scheme_end = 8;
  } else if (lower.rfind("http://", 0) == 0) {
    scheme_end = 7;
  } else {
    return InvalidArgumentError(k + ": must be an http:// or https:// URL");
  }
  std::string_view authority = url.substr(scheme_end);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty() || authority.front() == ':') return InvalidArgumentError(k + ": the URL has no host");
  return OkStatus();
}

std::optional<Notification> ForReceiver(const Notification& notification, bool send_resolved) {
  if (send_resolved) return notification;
  Notification out = notification;
  out.alerts.clear();
  for (const Alert& a : notification.alerts) {
    if (a.status == AlertStatus::kFiring) out.alerts.push_back(a);
  }
  if (out.alerts.empty()) return std::nullopt;
  return out;
}

std::string FormatGoTime(WallTime t) {
  const auto since = t.time_since_epoch();
  auto secs = std::chrono::floor<std::chrono::seconds>(since);
  const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
  const time_t tt = static_cast<time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf;
  if (nanos != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

}  // namespace kelola
