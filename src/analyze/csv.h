// RFC 4180 CSV: reading (quoted fields, doubled quotes, newlines inside
// quotes, CRLF) and quoting one field for output. Used by the Loghub
// evaluation tool and `kelola analyze parse`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kelola::analyze {

using CsvRow = std::vector<std::string>;

// Parses a whole CSV document. Errors (a quote left open, text after a
// closing quote) name the line where they occur.
Result<std::vector<CsvRow>> ParseCsv(std::string_view text);

// The field as it must appear in a CSV line: quoted when it holds a comma,
// a quote, CR or LF (quotes doubled), as is otherwise.
std::string CsvField(std::string_view field);

}  // namespace kelola::analyze
