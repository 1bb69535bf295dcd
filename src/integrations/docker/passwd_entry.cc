#include "integrations/docker/passwd_entry.h"

#include <charconv>
#include <vector>

namespace kelola::docker {
namespace {

bool ParseId(std::string_view s, int& out) {
  if (s.empty() || s.size() > 10) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && out >= 0;
}

}  // namespace

Result<PasswdEntry> FindPasswdEntry(std::string_view passwd, std::string_view user) {
  if (user.empty()) return InvalidArgumentError("the user name is empty");
  while (!passwd.empty()) {
    const size_t nl = passwd.find('\n');
    std::string_view line = passwd.substr(0, nl);
    passwd = nl == std::string_view::npos ? std::string_view() : passwd.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> fields;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ':') {
        fields.push_back(line.substr(start, i - start));
        start = i + 1;
      }
    }
    if (fields.size() != 7 || fields[0] != user) continue;
    PasswdEntry entry;
    entry.name = std::string(fields[0]);
    if (!ParseId(fields[2], entry.uid) || !ParseId(fields[3], entry.gid)) continue;
    entry.home = std::string(fields[5]);
    if (entry.home.empty() || entry.home.front() != '/' || entry.home.find("..") != std::string::npos ||
        entry.home.find('\0') != std::string::npos) {
      return InvalidArgumentError("user " + entry.name + " has the home directory \"" + entry.home.substr(0, 256) +
                                  "\", not an absolute path free of \"..\"");
    }
    while (entry.home.size() > 1 && entry.home.back() == '/') entry.home.pop_back();
    return entry;
  }
  return NotFoundError("no user " + std::string(user) + " in /etc/passwd");
}

}  // namespace kelola::docker
