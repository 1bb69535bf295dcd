// Masking of variable tokens before template mining.
//
// A log line is split at ASCII whitespace into tokens. Inside a token the
// parts that vary from line to line are replaced by the wildcard "<*>":
// numbers (decimal, hex with 0x, signed, with units like 64k or 3ms), IPv4/IPv6
// addresses and host:port pairs, hex ids of 8+ digits, UUIDs, ids built from
// words and numbers (blk_-123, attempt_1445_0020_m_000000_0), absolute paths
// and the part of a URL after "scheme://". The rules are general (no
// knowledge of any log format) and documented in docs/analysis.md.
//
// Adjacent wildcards inside a token collapse ("<*>:<*>" -> "<*>"), like the
// Loghub-2.0 evaluator's template normalisation.
//
// Pure functions of their input; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kelola::analyze {

inline constexpr std::string_view kWildcard = "<*>";

// Appends the masked form of `token` (no whitespace inside) to `out`.
// Returns true when the token changed (some part was masked).
bool MaskToken(std::string_view token, std::string& out);

inline bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Calls fn(std::string_view token) for every whitespace-separated token.
template <typename Fn>
void ForEachToken(std::string_view line, Fn&& fn) {
  const char* p = line.data();
  const char* end = p + line.size();
  while (p < end) {
    while (p < end && IsSpace(*p)) ++p;
    const char* q = p;
    while (q < end && !IsSpace(*q)) ++q;
    if (q > p) fn(std::string_view(p, static_cast<size_t>(q - p)));
    p = q;
  }
}

// The whole line masked, tokens joined by one space, adjacent wildcard
// tokens collapsed. Convenience for tests and tools; the miner masks
// token by token without building this string.
std::string MaskLine(std::string_view line);

// Loghub-2.0's general template normalisation: repeatedly replaces
// "<*>.<*>", "<*><*>", "<*>:<*>" and "<*> <*>" by "<*>"; also trims and
// squeezes whitespace. Idempotent.
std::string NormalizeTemplate(std::string_view tmpl);

}  // namespace kelola::analyze
