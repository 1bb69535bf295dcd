#include "integrations/aws/aws_ini.h"

#include <cctype>

namespace kelola {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<AwsIniFile> ParseAwsIni(std::string_view text, const std::string& file_name) {
  AwsIniFile file;
  file.file_name = file_name;
  AwsIniSection* section = nullptr;
  std::string nested_parent;  // a key with an empty value, whose indented lines follow
  int line_number = 0;
  auto error = [&](const std::string& what) {
    return InvalidArgumentError(file_name + ":" + std::to_string(line_number) + ": " + what);
  };
  size_t pos = 0;
  // A UTF-8 byte order mark is not part of the first line.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    const std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const bool indented = std::isspace(static_cast<unsigned char>(raw[0])) != 0;

    if (line[0] == '[') {
      const size_t close = line.find(']');
      if (close == std::string_view::npos) return error("section header has no closing ']'");
      if (!Trim(line.substr(close + 1)).empty()) return error("text after the section header's ']'");
      const std::string name(Trim(line.substr(1, close - 1)));
      if (name.empty()) return error("empty section name");
      auto [it, inserted] = file.sections.try_emplace(name);
      if (!inserted) {
        return error("section [" + name + "] given twice (first at line " + std::to_string(it->second.line) + ")");
      }
      it->second.line = line_number;
      section = &it->second;
      nested_parent.clear();
      continue;
    }

    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return error("expected \"key = value\" or \"[section]\"");
    if (section == nullptr) return error("setting outside any [section]");
    const std::string key = Lower(Trim(line.substr(0, eq)));
    const std::string value(Trim(line.substr(eq + 1)));
    if (key.empty()) return error("empty key name");
    if (indented && !nested_parent.empty()) {
      const std::string full = nested_parent + "." + key;
      section->values[full] = value;
      section->value_lines[full] = line_number;
      continue;
    }
    if (indented) return error("indented setting without a parent key");
    section->values[key] = value;
    section->value_lines[key] = line_number;
    nested_parent = value.empty() ? key : "";
  }
  return file;
}

}  // namespace kelola
