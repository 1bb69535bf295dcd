#include "analyze/csv.h"

namespace kelola::analyze {

Result<std::vector<CsvRow>> ParseCsv(std::string_view text) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  const size_t n = text.size();
  bool row_started = false;
  while (i < n) {
    char c = text[i];
    if (c == '"' && field.empty()) {
      // Quoted field: up to the closing quote, "" is a quote.
      const size_t open_line = line;
      ++i;
      bool closed = false;
      while (i < n) {
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (text[i] == '\n') ++line;
        field.push_back(text[i++]);
      }
      if (!closed) return InvalidArgumentError("csv line " + std::to_string(open_line) + ": quoted field not closed");
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return InvalidArgumentError("csv line " + std::to_string(line) + ": text after a closing quote");
      }
      row_started = true;
      continue;
    }
    if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      row_started = true;
      ++i;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
      if (row_started || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      row_started = false;
      continue;
    }
    field.push_back(c);
    row_started = true;
    ++i;
  }
  if (row_started || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace kelola::analyze
