// Loki stream labels: the selector-syntax string of logproto (`{a="b", c="d"}`),
// parsed and printed, and Loki's rules for label names.
//
// ParseLokiLabels accepts what Loki's own parser accepts for a stream's
// labels: equality matchers only, values as Go double-quoted strings (escapes
// \a \b \f \n \r \t \v \\ \" \xHH \NNN \uHHHH \UHHHHHHHH) or backquoted raw
// strings, blanks between tokens, an optional trailing comma. A malformation
// is InvalidArgument naming the byte and what was expected; a repeated name
// is an error too. It is fuzzed (fuzz/loki_labels_fuzz.cc). Pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

using LokiLabels = std::map<std::string, std::string>;

Result<LokiLabels> ParseLokiLabels(std::string_view text);
// `{a="b", c="d"}`, names sorted, values escaped so ParseLokiLabels reads
// them back byte for byte (also bytes that are not UTF-8).
std::string FormatLokiLabels(const LokiLabels& labels);
// Loki (and Prometheus): [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLokiLabelName(std::string_view name);
// Every other byte becomes '_', a leading digit gets a '_' before it:
// "k8s.pod-name" -> "k8s_pod_name", "1a" -> "_1a", "" -> "_".
std::string SanitizeLokiLabelName(std::string_view name);

}  // namespace kelola
