#include "logs/log_level.h"

#include <array>
#include <cctype>
#include <string>

namespace kelola {
namespace {

constexpr std::array<std::string_view, 6> kCanonical = {"trace", "debug", "info", "warn", "error", "fatal"};

struct Spelling {
  std::string_view name;
  int rank;
};

// Lower-case spellings. Numbers 0..7 are syslog severities, 10..60 are
// bunyan/pino levels.
constexpr Spelling kSpellings[] = {
    {"trace", 0},
    {"trc", 0},
    {"t", 0},
    {"finest", 0},
    {"verbose", 0},
    {"10", 0},
    {"debug", 1},
    {"dbg", 1},
    {"d", 1},
    {"fine", 1},
    {"7", 1},
    {"20", 1},
    {"info", 2},
    {"inf", 2},
    {"i", 2},
    {"information", 2},
    {"informational", 2},
    {"notice", 2},
    {"n", 2},
    {"5", 2},
    {"6", 2},
    {"30", 2},
    {"warn", 3},
    {"warning", 3},
    {"wrn", 3},
    {"w", 3},
    {"4", 3},
    {"40", 3},
    {"error", 4},
    {"err", 4},
    {"e", 4},
    {"eror", 4},
    {"severe", 4},
    {"3", 4},
    {"50", 4},
    {"fatal", 5},
    {"ftl", 5},
    {"f", 5},
    {"crit", 5},
    {"critical", 5},
    {"alert", 5},
    {"emerg", 5},
    {"emergency", 5},
    {"panic", 5},
    {"0", 5},
    {"1", 5},
    {"2", 5},
    {"60", 5},
};

}  // namespace

std::string_view NormalizeLevel(std::string_view raw) {
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
  if (raw.empty() || raw.size() > 16) return "";
  std::string lower(raw);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& s : kSpellings) {
    if (s.name == lower) return kCanonical[s.rank];
  }
  return "";
}

std::string_view LevelOfSyslogSeverity(int severity) {
  static constexpr int kRank[8] = {5, 5, 5, 4, 3, 2, 2, 1};
  if (severity < 0 || severity > 7) return "";
  return kCanonical[kRank[severity]];
}

int LevelRank(std::string_view canonical) {
  for (size_t i = 0; i < kCanonical.size(); ++i) {
    if (kCanonical[i] == canonical) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace kelola
